// A receiver whose main thread is busy with the application: does an IO thread pay? (issue 8)
// Several PUSH sender processes stream into one PULL over tcp while the receiving process's
// main thread spends a share of its time in synchronous application work. Compares the receiver
// as omq ioThreads 0, omq ioThreads 1 and zeromq.js (which has its own IO thread), interleaved
// run by run.
//
//   node bench/busy-app.js [--runs 3] [--sizes 1024,64] [--peers 4] [--duty 0.5]
//                          [--period-ms 10] [--work-us 0] [--rate 0] [--sender omq-io0]
//                          [--warmup 1] [--seconds 3]
//
// --sizes, --peers, --duty and --work-us take comma lists; every combination is one table row
// (about 12 s per row and run). The sweeps reported in BENCHMARKS.md (~13 and ~11 min):
//
//   nice -n 5 node bench/busy-app.js --runs 5 --warmup 0.5 --seconds 2 \
//     --sizes 1024,64 --peers 1,4 --duty 0,0.5,0.8                 # capacity: senders flat out
//   nice -n 5 node bench/busy-app.js --runs 5 --warmup 0.5 --seconds 2 --rate 5000 \
//     --sizes 1024,64 --peers 1,4 --duty 0,0.5,0.8                 # latency: 5,000 msg/s offered
//
// Application work on the receiver's main thread, either or both of:
// - --duty D: a timer burns the CPU so that D of the wall time (since the first message) is spent
//   in synchronous work, in slices of about D × --period-ms (5 ms of every 10 ms at 0.5). Work
//   that is owed because the receive loop kept the thread is paid at the next tick, so every
//   library gets the same share of the thread whatever its event-loop habits; the achieved
//   share is checked and printed.
// - --work-us W: W µs of synchronous work after each message received.
//
// Senders (--peers processes, each one PUSH connecting to the receiver) run --sender (default
// omq-io0 for every receiver, so that only the receiving side changes; "same" runs the
// receiver's library). Each message carries its send time (CLOCK_MONOTONIC, shared by all
// processes on the machine); senders await every send() and go flat out, or at --rate messages/s
// in total when given. The receiver counts the messages of --seconds after --warmup seconds from
// its first message and reports msg/s, and the age of those messages on receipt (p50, p99): the
// time from the sender's send() call to the receiving loop having it. Flat out, age is mostly
// queueing (high-water marks and kernel buffers full); at a --rate below capacity it is the
// latency the application sees. A paced sender that falls behind sends flat out until it has
// caught up. Processes are not pinned.
//
// Reading the figures: --duty is wall time, so a receiver the kernel deschedules gets less than
// 1 - D of the time for receiving (the "recv CPU" column shows what it got). The senders share the
// 2 vCPUs with it: flat out, or once their high-water marks fill, each blocked send() costs them
// a wake-up, and 4 sender processes then take CPU the receiver needs. Per-run figures go to
// stderr: on a shared box a single run can be 5x off.
import { loadavg } from "node:os"
import process from "node:process"
import { setTimeout as sleep } from "node:timers/promises"
import { benchArgs, child, exited, median, message, openLib, quantile } from "./child-processes.js"

const LIBS = ["omq-io0", "omq-io1", "zeromq"]
const MAX_SAMPLES = 1 << 22 // message ages kept per measurement (32 MiB of Float64)

const nowNs = () => Number(process.hrtime.bigint())

/** Spins for `us` microseconds. */
function spin(us) {
  const end = performance.now() + us / 1000
  while (performance.now() < end);
}

/**
 * Application work by duty cycle: keeps `duty` of the wall time since the call in synchronous
 * work, paid in slices on a timer (a slice every `periodMs × (1 - duty)` ms of idle time). Returns
 * `stop()`, which gives the share of the wall time actually spent working.
 */
function dutyCycle(duty, periodMs) {
  const t0 = performance.now()
  let burned = 0
  let timer = null
  const tick = () => {
    const start = performance.now()
    let now = start
    while (burned + (now - start) < duty * (now - t0)) now = performance.now()
    burned += now - start
    timer = setTimeout(tick, periodMs * (1 - duty))
  }
  if (duty > 0) timer = setTimeout(tick, periodMs * (1 - duty))
  return () => {
    clearTimeout(timer)
    return burned / (performance.now() - t0)
  }
}

/** Child: the PULL under test, with the application's work on its thread. */
async function receiver(v) {
  const { Pull, opts } = await openLib(v.lib)
  const pull = new Pull(opts)
  await pull.bind("tcp://127.0.0.1:*")
  process.send({ endpoint: pull.lastEndpoint })
  const workUs = Number(v["work-us"])
  const warmupMs = Number(v.warmup) * 1000
  const windowMs = Number(v.seconds) * 1000
  const ages = new Float64Array(MAX_SAMPLES)
  let [frame] = await pull.receive()
  const stop = dutyCycle(Number(v.duty), Number(v["period-ms"]))
  const first = performance.now()
  while (performance.now() - first < warmupMs) {
    if (workUs > 0) spin(workUs)
    ;[frame] = await pull.receive()
  }
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  let n = 0
  let elapsed = 0
  while ((elapsed = performance.now() - t0) < windowMs) {
    if (workUs > 0) spin(workUs)
    ;[frame] = await pull.receive()
    if (n < MAX_SAMPLES) ages[n] = (nowNs() - Number(frame.readBigUInt64LE(0))) / 1000
    n++
  }
  const { user, system } = process.cpuUsage(cpu)
  const achieved = stop()
  const sorted = ages.subarray(0, Math.min(n, MAX_SAMPLES)).sort()
  process.send({
    rate: n / (elapsed / 1000),
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    duty: achieved,
    cpu: (user + system) / 1000 / elapsed,
  })
  // The parent ends every process of the measurement; senders may still be sending.
}

/** Child: one PUSH sender, flat out or at `rate` messages/s, until the parent ends it. */
async function sender(v) {
  const { Push, opts } = await openLib(v["sender-lib"] === "same" ? v.lib : v["sender-lib"])
  const push = new Push(opts)
  push.connect(v.endpoint)
  const size = Number(v.size)
  const rate = Number(v.rate)
  const t0 = performance.now()
  for (let i = 0; ; i++) {
    // A fresh buffer each time: zeromq.js may send a Buffer without copying it.
    const msg = Buffer.allocUnsafe(size)
    msg.writeBigUInt64LE(process.hrtime.bigint(), 0)
    await push.send(msg)
    if (rate > 0) {
      const ahead = t0 + (i + 1) * (1000 / rate) - performance.now()
      if (ahead >= 1) await sleep(ahead)
    }
  }
}

/** One measurement: the receiver, then its senders; all ended once the receiver reports. */
async function measure(lib, config, v) {
  const params = {
    size: config.size,
    duty: config.duty,
    "work-us": config.workUs,
    rate: Number(v.rate) / config.peers,
    "period-ms": v["period-ms"],
    "sender-lib": v.sender,
    warmup: v.warmup,
    seconds: v.seconds,
  }
  const args = (role, extra) => [
    "--role",
    role,
    "--lib",
    lib,
    ...Object.entries({ ...params, ...extra }).flatMap(([k, val]) => [`--${k}`, `${val}`]),
  ]
  const recv = child(import.meta.url, args("recv", {}))
  const procs = [recv]
  try {
    const { endpoint } = await message(recv, (m) => m.endpoint)
    for (let i = 0; i < config.peers; i++)
      procs.push(child(import.meta.url, args("send", { endpoint })))
    const limit = (Number(v.warmup) + Number(v.seconds) + 60) * 1000
    const result = await Promise.race([
      message(recv, (m) => m.rate !== undefined),
      ...procs.slice(1).map((proc) => message(proc, () => false)), // rejects if a sender fails
      sleep(limit, null, { ref: false }).then(() => {
        throw new Error(`${lib}: no report within ${limit / 1000} s`)
      }),
    ])
    return result
  } finally {
    for (const proc of procs) proc.kill("SIGKILL")
    await Promise.all(procs.map(exited))
  }
}

const list = (s) => s.split(",").map(Number)
const rate = (r) => (r >= 1000 ? `${(r / 1000).toFixed(1)}k` : r.toFixed(0))
const ms = (us) => (us / 1000).toFixed(us < 10_000 ? 2 : 0)

async function main() {
  const v = benchArgs({
    size: { type: "string" },
    duty: { type: "string", default: "0.5" },
    "work-us": { type: "string", default: "0" },
    rate: { type: "string", default: "0" },
    "period-ms": { type: "string", default: "10" },
    "sender-lib": { type: "string" },
    sender: { type: "string", default: "omq-io0" },
    warmup: { type: "string", default: "1" },
    seconds: { type: "string", default: "3" },
    sizes: { type: "string", default: "1024,64" },
    peers: { type: "string", default: "4" },
  })
  if (v.role === "recv") return receiver(v)
  if (v.role === "send") return sender(v)

  const runs = Number(v.runs)
  const configs = []
  for (const size of list(v.sizes))
    for (const peers of list(v.peers))
      for (const duty of list(v.duty))
        for (const workUs of list(v["work-us"])) configs.push({ size, peers, duty, workUs })

  const rows = []
  const loads = [] // the 1-minute load average before each measurement: how shared the box was
  for (const config of configs) {
    const results = Object.fromEntries(LIBS.map((lib) => [lib, []]))
    // Interleave libraries run by run so that machine noise hits them alike.
    for (let r = 0; r < runs; r++)
      for (const lib of LIBS) {
        loads.push(loadavg()[0])
        results[lib].push(await measure(lib, config, v))
      }
    const m = Object.fromEntries(
      LIBS.map((lib) => {
        const of = (key) => median(results[lib].map((x) => x[key]))
        return [
          lib,
          { rate: of("rate"), p50: of("p50"), p99: of("p99"), duty: of("duty"), cpu: of("cpu") },
        ]
      }),
    )
    // Ratios are the median of each run's ratio: the two figures of a run were measured seconds
    // apart, so they share more of the machine's load than the medians do.
    const ratio = (a, b) => median(results[a].map((x, r) => x.rate / results[b][r].rate)).toFixed(2)
    const { size, peers, duty, workUs } = config
    const label = [
      size >= 1024 ? `${size / 1024} KiB` : `${size} B`,
      `×${peers}`,
      `duty ${Math.round(duty * 100)}%`,
      workUs > 0 ? `+${workUs} µs/msg` : "",
    ]
    rows.push({
      config: label.filter(Boolean).join(" "),
      "io0 msg/s": rate(m["omq-io0"].rate),
      "io1 msg/s": rate(m["omq-io1"].rate),
      "zmq msg/s": rate(m.zeromq.rate),
      "io1 / io0": ratio("omq-io1", "omq-io0"),
      "io0 / zmq": ratio("omq-io0", "zeromq"),
      "io1 / zmq": ratio("omq-io1", "zeromq"),
      "io0 age ms p50/p99": `${ms(m["omq-io0"].p50)}/${ms(m["omq-io0"].p99)}`,
      "io1 age ms p50/p99": `${ms(m["omq-io1"].p50)}/${ms(m["omq-io1"].p99)}`,
      "zmq age ms p50/p99": `${ms(m.zeromq.p50)}/${ms(m.zeromq.p99)}`,
      "recv CPU %": LIBS.map((lib) => `${Math.round(m[lib].cpu * 100)}`).join("/"),
      "duty got %": LIBS.map((lib) => `${Math.round(m[lib].duty * 100)}`).join("/"),
    })
    const perRun = LIBS.map((lib) => `${lib} ${results[lib].map((x) => rate(x.rate)).join(" ")}`)
    console.error(`${label.filter(Boolean).join(" ")}: msg/s by run: ${perRun.join(", ")}`)
  }
  const offered = Number(v.rate) > 0 ? `${v.rate} msg/s offered in total` : "senders flat out"
  console.log(
    `PUSH ×peers -> one PULL over tcp, receiver's main thread busy; ${offered}, senders ` +
      `${v.sender}; median of ${runs} runs of ${v.seconds} s (ratios: median of per-run ratios).` +
      ` Receiver CPU (all its threads, % of one core) and duty achieved: io0/io1/zmq.` +
      ` Load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}.`,
  )
  console.table(rows)
}

await main()
