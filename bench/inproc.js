// inproc:// within one thread and between two worker threads, omq against zeromq.js in the same
// run, interleaved run by run (the machine is shared and noisy).
//
//   node bench/inproc.js [--runs 3] [--seconds 1] [--trips 10000] [--pairs 500]
//                        [--rows push-64-thread,push-64-threads,push-1m-thread,push-1m-threads,
//                                reqrep-thread,reqrep-threads,memory]
//
// Every measurement runs in a child process of its own (a fresh default context, a fresh heap),
// and every socket uses the default context, which both libraries share across the worker
// threads of a process: omq's travels in Node's environment data (so the child's main thread
// imports omq before it starts the workers: it owns the context and its inproc names), and
// zeromq.js's default context is one libzmq context for the whole process.
// - push-*: PUSH -> PULL for --seconds, the sender awaiting each send(), then an end marker.
//   Timed from the sender's first send to the marker's arrival (on a clock the threads share,
//   so that messages queued up to the high-water mark are counted only once received), and
//   the sender's count is checked against the receiver's (nothing may be lost). "thread": both
//   sockets on the child's main thread; "threads": the PULL on one worker thread, the PUSH on
//   another. The 1 MiB rows report GB/s; within one thread both libraries hand the sender's
//   buffer over without a copy, so that figure is per-message overhead, not bandwidth.
// - reqrep-*: --trips REQ/REP round trips of 1 B, timed by the client; the first 10 % are
//   left out (warm-up). Median and p99 per run, then the median over runs.
// - memory: --pairs idle PUSH/PULL pairs in one process (omq over tcp with one IO thread, over
//   inproc within a thread and across two threads; zeromq.js over tcp and inproc for rss). Each
//   pair passes one message first, so every pipe is up. arrayBuffers (SharedArrayBuffers count
//   there) is summed over the process's threads after forced GCs, each thread reporting its own
//   (a probe is preloaded into every worker thread); the figure is the growth from a baseline
//   taken with one pair (which starts the IO thread). One run per variant.
//
// Prints three tables (throughput, latency, memory), each omq figure next to zeromq.js's, as
// medians and ratios of medians, with the min-max over runs to show the noise.
import { spawn } from "node:child_process"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import { isMainThread, parentPort, threadId, Worker, workerData } from "node:worker_threads"
import {
  benchArgs,
  exited,
  median,
  message,
  quantile,
  roundTrips,
  workerMemoryProbe,
} from "./child-processes.js"

const LIBS = ["omq", "zeromq"]
const KiB = 1024
const MiB = 1024 * 1024
const ROWS = {
  "push-64-thread": { kind: "push", size: 64, threads: false },
  "push-64-threads": { kind: "push", size: 64, threads: true },
  "push-1m-thread": { kind: "push", size: MiB, threads: false },
  "push-1m-threads": { kind: "push", size: MiB, threads: true },
  "reqrep-thread": { kind: "reqrep", threads: false },
  "reqrep-threads": { kind: "reqrep", threads: true },
  memory: { kind: "memory" },
}
const MEMORY_VARIANTS = [
  ["omq", "tcp"],
  ["omq", "inproc-thread"],
  ["omq", "inproc-threads"],
  ["omq", "tcp+burst"],
  ["omq", "inproc-threads+burst"],
  ["zeromq", "tcp"],
  ["zeromq", "inproc-thread"],
]
const DATA = 0
const END = 1
const PROBE_CHANNEL = "omq-bench-inproc-memory"
/** A measurement that takes longer than this is reported as a hang. */
const HANG_MS = 30_000

/** Preloaded (--import) into the memory children; every worker thread answers the probe. */
const WORKER_PROBE = workerMemoryProbe(PROBE_CHANNEL)

// ---- in the child: the roles ---------------------------------------------------------------

/** The library's socket classes; every socket uses the process-wide default context. */
const load = (lib) => import(lib === "omq" ? "omq" : "zeromq")

/** Now, in ms, on a clock that all threads of the process share. */
const now = () => performance.timeOrigin + performance.now()

/**
 * Sends `size`-byte messages for `seconds`, then the end marker. Returns the data count and
 * when the first send started.
 */
async function sendFor(sock, size, seconds) {
  const data = Buffer.alloc(size, DATA) // never changed after a send: omq hands it over as is
  const end = Buffer.alloc(size, END)
  const batch = Math.max(1, Math.floor((16 * KiB) / size))
  const start = now()
  const until = performance.now() + seconds * 1000
  let sent = 0
  do {
    for (let i = 0; i < batch; i++) await sock.send(data)
    sent += batch
  } while (performance.now() < until)
  await sock.send(end)
  return { sent, start }
}

/** Receives up to the end marker. Returns the data count and when the marker arrived. */
async function receiveAll(sock, size) {
  let received = 0
  for (;;) {
    const [frame] = await sock.receive()
    if (frame.length !== size) throw new Error(`bad size ${frame.length}`)
    if (frame[0] === END) break
    received++
  }
  return { received, end: now() }
}

async function repServe(rep) {
  for (;;) {
    const [m] = await rep.receive()
    await rep.send(m)
    if (m[0] === END) return
  }
}

async function reqTrips(req, trips) {
  const steady = await roundTrips(req, trips, Buffer.from([DATA]), Math.floor(trips / 10))
  await req.send(Buffer.from([END]))
  await req.receive()
  return { p50: quantile(steady, 0.5), p99: quantile(steady, 0.99) }
}

/** A worker thread's role: told what to do in workerData, talks to its parent over its port. */
async function workerRole({ role, lib, name, size, seconds }) {
  const zmq = await load(lib)
  const endpoint = `inproc://${name}`
  if (role === "pull" || role === "rep") {
    const sock = role === "pull" ? new zmq.Pull() : new zmq.Reply()
    await sock.bind(endpoint)
    parentPort.postMessage({ bound: true })
    if (role === "pull") parentPort.postMessage(await receiveAll(sock, size))
    else await repServe(sock)
    sock.close()
    return
  }
  const sock = role === "push" ? new zmq.Push() : new zmq.Request()
  sock.connect(endpoint)
  const result = role === "push" ? await sendFor(sock, size, seconds) : null
  const trips = role === "req" ? await reqTrips(sock, workerData.trips) : null
  parentPort.postMessage(result ?? trips)
  // Close only once the parent says everything arrived: no close() inside a measurement (and
  // before 9f8af0f omq's close() dropped messages a connect() still held for its pipe).
  await new Promise((resolve) => parentPort.once("message", resolve))
  sock.close()
}

function startWorker(data) {
  const worker = new Worker(new URL(import.meta.url), { workerData: data })
  const messages = []
  let wake = null
  worker.on("message", (m) => {
    messages.push(m)
    wake?.()
  })
  worker.on("error", (err) => {
    console.error(`worker ${data.role} failed:`, err)
    process.exit(1)
  })
  const next = async () => {
    while (messages.length === 0) await new Promise((resolve) => (wake = resolve))
    return messages.shift()
  }
  return { worker, next, exited: new Promise((resolve) => worker.once("exit", resolve)) }
}

/** Child process: one throughput measurement. */
async function pushRole(lib, size, threads, seconds) {
  const zmq = await load(lib) // omq: this thread owns the default context, before any worker
  const name = `bench-${process.pid}`
  if (!threads) {
    const pull = new zmq.Pull()
    await pull.bind(`inproc://${name}`)
    const push = new zmq.Push()
    push.connect(`inproc://${name}`)
    const [sent, got] = await Promise.all([sendFor(push, size, seconds), receiveAll(pull, size)])
    push.close()
    pull.close()
    return { ...sent, ...got }
  }
  const pull = startWorker({ role: "pull", lib, name, size })
  await pull.next() // bound
  const push = startWorker({ role: "push", lib, name, size, seconds })
  const got = await pull.next()
  const sent = await push.next()
  push.worker.postMessage("close")
  await Promise.all([pull.exited, push.exited])
  return { ...sent, ...got }
}

/** Child process: one latency measurement. */
async function reqrepRole(lib, threads, trips) {
  const zmq = await load(lib)
  const name = `bench-${process.pid}`
  if (!threads) {
    const rep = new zmq.Reply()
    await rep.bind(`inproc://${name}`)
    const req = new zmq.Request()
    req.connect(`inproc://${name}`)
    const [result] = await Promise.all([reqTrips(req, trips), repServe(rep)])
    req.close()
    rep.close()
    return result
  }
  const rep = startWorker({ role: "rep", lib, name })
  await rep.next() // bound
  const req = startWorker({ role: "req", lib, name, trips })
  const result = await req.next()
  req.worker.postMessage("close")
  await Promise.all([rep.exited, req.exited])
  return result
}

/** Memory of the whole process after forced GCs: this thread's plus every worker's. */
async function footprint() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await sleep(30)
  }
  const channel = new BroadcastChannel(PROBE_CHANNEL)
  const replies = []
  channel.onmessage = ({ data }) => replies.push(data)
  channel.postMessage("measure")
  await sleep(400) // the workers GC too, then answer
  channel.close()
  const own = process.memoryUsage()
  const threads = [{ threadId, arrayBuffers: own.arrayBuffers, heapUsed: own.heapUsed }, ...replies]
  const sum = (key) => threads.reduce((total, t) => total + t[key], 0)
  return {
    arrayBuffers: sum("arrayBuffers"),
    heapUsed: sum("heapUsed"),
    rss: process.memoryUsage().rss,
    threads: threads.length,
  }
}

/** What each pair of a "+burst" memory variant passes after its first message. */
const BURST = { count: 32, size: 16 * KiB }

/** Sends the first message of a pair, and for a burst variant the burst after it. */
async function greet(push, burst) {
  await push.send("hello")
  if (!burst) return
  const body = Buffer.alloc(BURST.size, 7)
  for (let k = 0; k < BURST.count; k++) await push.send(body)
}

/** Receives what greet() sent. */
async function greeted(pull, burst) {
  for (let k = 0; k < (burst ? 1 + BURST.count : 1); k++) await pull.receive()
}

/**
 * Child process (--expose-gc, probe preloaded): `pairs` idle pairs, memory before and after.
 * `variant` is the transport (tcp, inproc-thread, inproc-threads), with "+burst" when each pair
 * passes BURST before going idle (the rings grow with traffic).
 */
async function memoryRole(lib, variant, pairs) {
  const zmq = await load(lib)
  const [transport, burst] = [variant.replace("+burst", ""), variant.endsWith("+burst")]
  const tcp = transport === "tcp"
  const opts = lib === "omq" && tcp ? { context: new zmq.Context({ ioThreads: 1 }) } : {}
  const base = `mem-${process.pid}`
  const pullsHere = []
  const pushesHere = []
  // Makes pairs [from, to): the PULLs here, the PUSHes here too or on the worker.
  let worker = null
  const makePairs = async (from, to) => {
    const endpoints = []
    for (let i = from; i < to; i++) {
      const pull = new zmq.Pull(opts)
      await pull.bind(tcp ? "tcp://127.0.0.1:*" : `inproc://${base}-${i}`)
      pullsHere.push(pull)
      endpoints.push(pull.lastEndpoint ?? `inproc://${base}-${i}`)
      if (worker) continue
      const push = new zmq.Push(opts)
      push.connect(endpoints.at(-1))
      pushesHere.push(push)
      await greet(push, burst)
      await greeted(pull, burst)
    }
    if (!worker) return
    worker.worker.postMessage({ endpoints, burst })
    await Promise.all(pullsHere.slice(from).map((pull) => greeted(pull, burst)))
  }
  if (transport === "inproc-threads") {
    worker = startWorker({ role: "memory-pushes", lib })
    await worker.next() // started
  }
  await makePairs(0, 1)
  const before = await footprint()
  await makePairs(1, pairs + 1)
  const after = await footprint()
  if (worker) {
    worker.worker.postMessage("close")
    await worker.exited
  }
  for (const s of [...pushesHere, ...pullsHere]) s.close()
  if (opts.context) await opts.context.closeSocketsAndTerminate()
  return { before, after, sockets: 2 * pairs }
}

/** A worker of the memory child: connects a PUSH to each endpoint it is sent, and greets. */
async function memoryPushes({ lib }) {
  const zmq = await load(lib)
  const pushes = []
  parentPort.postMessage({ started: true })
  for (;;) {
    const m = await new Promise((resolve) => parentPort.once("message", resolve))
    if (m === "close") break
    for (const endpoint of m.endpoints) {
      const push = new zmq.Push()
      push.connect(endpoint)
      pushes.push(push)
      await greet(push, m.burst)
    }
  }
  for (const push of pushes) push.close()
}

// ---- in the parent: running the children and the tables -----------------------------------

/** Runs one measurement in a child of its own; resolves to its result or to { failed }. */
async function measure(args, nodeFlags = []) {
  const proc = spawn(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  })
  let timer
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ failed: `no result within ${HANG_MS / 1000} s` }), HANG_MS)
  })
  const result = await Promise.race([
    message(proc, (m) => m.result !== undefined).then(
      (m) => m.result,
      (err) => ({ failed: String(err) }),
    ),
    timeout,
    exited(proc).then(() => ({ failed: `child exited ${proc.exitCode} without a result` })),
  ])
  clearTimeout(timer)
  // The child must also end on its own once its sockets are closed.
  const ended = await Promise.race([exited(proc).then(() => true), sleep(5000, false)])
  if (!ended) {
    proc.kill("SIGKILL")
    await exited(proc)
    result.lingered = true
  } else if (!result.failed && proc.exitCode !== 0) {
    result.crashed = proc.signalCode ?? `code ${proc.exitCode}` // after its result
  }
  if (result.failed || result.lingered || result.crashed) {
    const what = result.failed ?? (result.lingered ? "did not exit by itself" : "crashed at exit")
    console.error(`${args.join(" ")}: ${what}`)
  }
  return result
}

const spread = (xs, f) => (xs.length > 1 ? `${f(Math.min(...xs))}–${f(Math.max(...xs))}` : "")

/** A rate in the row's unit: thousands of messages/s for small messages, else GB/s. */
const inUnit = (rate, size) =>
  size >= MiB ? ((rate * size) / 1e9).toFixed(2) : (rate / 1e3).toFixed(0)

async function pushRow(row, values) {
  const rates = { omq: [], zeromq: [] }
  const problems = []
  for (let r = 0; r < Number(values.runs); r++) {
    for (const lib of LIBS) {
      const args = ["--role", "push", "--lib", lib, "--size", `${row.size}`]
      const res = await measure([
        ...args,
        "--threads",
        `${row.threads}`,
        "--seconds",
        values.seconds,
      ])
      if (res.failed) problems.push(`${lib}: ${res.failed}`)
      else if (res.received !== res.sent)
        problems.push(`${lib}: sent ${res.sent}, got ${res.received}`)
      else rates[lib].push(res.received / ((res.end - res.start) / 1000))
      if (res.lingered) problems.push(`${lib}: did not exit`)
      if (res.crashed) problems.push(`${lib}: crashed at exit (${res.crashed})`)
    }
  }
  const o = rates.omq.length ? median(rates.omq) : NaN
  const z = rates.zeromq.length ? median(rates.zeromq) : NaN
  const f = (x) => inUnit(x, row.size)
  const size = row.size >= MiB ? "1 MiB" : `${row.size} B`
  return {
    row: `${size}, ${row.threads ? "two threads" : "one thread"}`,
    unit: row.size >= MiB ? "GB/s" : "k msg/s",
    omq: f(o),
    "omq runs": spread(rates.omq, f),
    "zeromq.js": f(z),
    "zmq runs": spread(rates.zeromq, f),
    "omq / zmq": (o / z).toFixed(2),
    ...(problems.length ? { problems: problems.join("; ") } : {}),
  }
}

async function reqrepRow(row, values) {
  const res = { omq: { p50: [], p99: [] }, zeromq: { p50: [], p99: [] } }
  const problems = []
  for (let r = 0; r < Number(values.runs); r++) {
    for (const lib of LIBS) {
      const args = ["--role", "reqrep", "--lib", lib, "--threads", `${row.threads}`]
      const out = await measure([...args, "--trips", values.trips])
      if (out.failed) {
        problems.push(`${lib}: ${out.failed}`)
        continue
      }
      res[lib].p50.push(out.p50)
      res[lib].p99.push(out.p99)
      if (out.lingered) problems.push(`${lib}: did not exit`)
      if (out.crashed) problems.push(`${lib}: crashed at exit (${out.crashed})`)
    }
  }
  const m = (lib, q) => (res[lib][q].length ? median(res[lib][q]) : NaN)
  const us = (x) => x.toFixed(1)
  return {
    row: row.threads ? "two threads" : "one thread",
    "omq median µs": us(m("omq", "p50")),
    "omq p99 µs": us(m("omq", "p99")),
    "zmq median µs": us(m("zeromq", "p50")),
    "zmq p99 µs": us(m("zeromq", "p99")),
    "median / zmq": (m("omq", "p50") / m("zeromq", "p50")).toFixed(2),
    "p99 / zmq": (m("omq", "p99") / m("zeromq", "p99")).toFixed(2),
    "omq median runs": spread(res.omq.p50, us),
    "zmq median runs": spread(res.zeromq.p50, us),
    ...(problems.length ? { problems: problems.join("; ") } : {}),
  }
}

async function memoryRows(values) {
  const rows = []
  const mib = (bytes) => (bytes / MiB).toFixed(2)
  for (const [lib, variant] of MEMORY_VARIANTS) {
    const args = ["--role", "memory", "--lib", lib, "--variant", variant, "--pairs", values.pairs]
    const out = await measure(args, ["--expose-gc", "--import", WORKER_PROBE])
    if (out.failed) {
      rows.push({ library: lib, variant, problems: out.failed })
      continue
    }
    const grew = (key) => out.after[key] - out.before[key]
    rows.push({
      library: lib === "omq" ? "omq" : "zeromq.js",
      variant,
      sockets: out.sockets,
      "arrayBuffers MiB": mib(grew("arrayBuffers")),
      "KiB / socket": (grew("arrayBuffers") / KiB / out.sockets).toFixed(1),
      "heapUsed MiB": mib(grew("heapUsed")),
      "rss MiB": mib(grew("rss")),
      threads: out.after.threads,
      ...(out.lingered ? { problems: "did not exit" } : {}),
      ...(out.crashed ? { problems: `crashed at exit (${out.crashed})` } : {}),
    })
  }
  return rows
}

async function main() {
  const values = benchArgs({
    size: { type: "string" },
    threads: { type: "string" },
    variant: { type: "string" },
    seconds: { type: "string", default: "1" },
    trips: { type: "string", default: "10000" },
    pairs: { type: "string", default: "500" },
    rows: { type: "string", default: Object.keys(ROWS).join(",") },
  })
  if (values.role) {
    const threads = values.threads === "true"
    let result
    if (values.role === "push") {
      result = await pushRole(values.lib, Number(values.size), threads, Number(values.seconds))
    } else if (values.role === "reqrep") {
      result = await reqrepRole(values.lib, threads, Number(values.trips))
    } else {
      result = await memoryRole(values.lib, values.variant, Number(values.pairs))
    }
    // Then the IPC channel must not be what keeps this process alive.
    process.send({ result }, () => process.channel.unref())
    return
  }

  const started = performance.now()
  const throughput = []
  const latency = []
  let memory = []
  for (const key of values.rows.split(",")) {
    const row = ROWS[key]
    if (!row) throw new Error(`unknown row ${key}; rows: ${Object.keys(ROWS).join(",")}`)
    if (row.kind === "push") throughput.push(await pushRow(row, values))
    else if (row.kind === "reqrep") latency.push(await reqrepRow(row, values))
    else memory = await memoryRows(values)
    console.error(`${key}: done`)
  }
  const runs = `median of ${values.runs} runs`
  if (throughput.length) {
    console.log(
      `PUSH->PULL over inproc, ${values.seconds} s per run, sender awaits each send, ${runs}`,
    )
    console.table(throughput)
  }
  if (latency.length) {
    console.log(`REQ/REP over inproc, 1 B, ${values.trips} round trips per run, ${runs}`)
    console.table(latency)
  }
  if (memory.length) {
    console.log(`${values.pairs} idle PUSH/PULL pairs, growth over a 1-pair baseline, all threads`)
    console.table(memory)
  }
  console.error(`bench took ${((performance.now() - started) / 1000).toFixed(0)} s`)
}

if (isMainThread) await main()
else if (workerData.role === "memory-pushes") await memoryPushes(workerData)
else await workerRole(workerData)
