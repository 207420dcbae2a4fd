// ROUTER with many idle DEALER peers (issue target: "ROUTER with 10,000 connected DEALERs: heap
// per idle peer recorded (target <= 20 KiB), and throughput unchanged within 20 %").
//
//   node bench/router-many-peers.js [--peers 10000] [--runs 1] [--count 200000] [--trips 10000]
//                                   [--libs omq-io0,omq-io1,zeromq]
//
// About a minute per run at 10,000 peers on 2 vCPUs. Needs ~N + 100 fds in the router process
// and in the idle-peer process (`ulimit -n`). Three processes per library and run:
// - router: the ROUTER under test (omq ioThreads 0, omq ioThreads 1, or zeromq.js), bound to
//   tcp://127.0.0.1:*. Started with --expose-gc; every memory figure is taken here after forced
//   GCs. With an IO thread, a probe preloaded into the IO worker (--import, see WORKER_PROBE)
//   answers over a BroadcastChannel with that thread's own heap figures.
// - idle: N raw ZMTP 3.1 clients over `net` (greeting, READY with Socket-Type DEALER and no
//   Identity, then one "hello" message), one fd each, then silent. To the ROUTER they are
//   DEALERs; they cost this process ~1 fd and a net.Socket each, where N omq Dealers would
//   cost ~1 MiB of rings each and N zeromq.js Dealers two fds each.
// - active: one DEALER of the same library (routing id "active") that drives the throughput:
//   "stream" = `count` 64 B messages DEALER -> ROUTER (each send() awaited; the router times
//   first to last message and takes its own CPU time over them), "echo" = `trips` 64 B round
//   trips DEALER -> ROUTER -> DEALER with 16 in flight (timed by the dealer).
//
// Sequence per run: warm-up; throughput with 0 idle peers; memory baseline; the N idle peers
// connect, and the router waits until it has received "hello" from N distinct routing ids (so
// every one is live); memory again; throughput with N idle peers; the idle peers leave (RST);
// memory a third time (what was not given back); throughput with 0 idle peers again, so that
// the 0-peer figures bracket the N-peer ones in time (the box is shared and noisy).
import { spawn } from "node:child_process"
import net from "node:net"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import {
  benchArgs,
  exited,
  median,
  message,
  openLib,
  workerMemoryProbe,
} from "./child-processes.js"

const LIBS = ["omq-io0", "omq-io1", "zeromq"]
const ACTIVE = Buffer.from("active")
const SIZE = 64
const REPS = 4 // stream and echo measurements per phase and run
const WARMUP = 2
const ECHO_WINDOW = 16
const CONNECTING = 500 // idle connections in progress at once (below the listen backlog of 511)
const FLAG_LONG = 0x02
const PROBE_CHANNEL = "omq-bench-router-memory"

/** Preloaded into the omq-io1 router process; only its IO worker thread acts on it. */
const WORKER_PROBE = workerMemoryProbe(PROBE_CHANNEL)

/** Runs a role of this script as a child with an IPC channel, with extra node flags. */
function role(args, nodeFlags = []) {
  const proc = spawn(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  })
  proc.setMaxListeners(0) // message() leaves a listener per reply
  return proc
}

/** Sends a command to a child and waits for the reply `pick` accepts. */
function ask(proc, command, pick) {
  const reply = message(proc, pick)
  proc.send(command)
  return reply
}

/** IPC commands from the parent, one at a time. */
function commands() {
  const queue = []
  let wake = null
  const onMessage = (m) => {
    queue.push(m)
    wake?.()
  }
  process.on("message", onMessage)
  return {
    async next() {
      while (queue.length === 0) await new Promise((resolve) => (wake = resolve))
      return queue.shift()
    },
    stop: () => process.off("message", onMessage),
  }
}

// ---- router process ------------------------------------------------------------------------

/** Memory of this process after forced GCs: this thread's heap, and the IO worker's if asked. */
async function snapshot(withWorker) {
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await sleep(50)
  }
  const { heapUsed, external, arrayBuffers } = process.memoryUsage()
  let worker = null
  if (withWorker) {
    const channel = new BroadcastChannel(PROBE_CHANNEL)
    const reply = new Promise((resolve) => (channel.onmessage = ({ data }) => resolve(data)))
    channel.postMessage("measure")
    worker = await Promise.race([reply, sleep(5000, null, { ref: false })])
    channel.close()
    if (!worker) throw new Error("the IO worker did not answer the memory probe")
  }
  return { heapUsed, external, arrayBuffers, worker, rss: process.memoryUsage().rss }
}

async function router(lib, peers) {
  const { Router, opts, done } = await openLib(lib)
  const sock = new Router(opts)
  await sock.bind("tcp://127.0.0.1:*")
  let seen = new Set()
  let idleSince = 0
  let stream = { n: 0, t0: 0, cpu: null }
  let echoes = 0
  const loop = (async () => {
    for await (const [id, body] of sock) {
      if (id.equals(ACTIVE)) {
        if (body[0] === 0x45 /* E */) {
          echoes++
          await sock.send([id, body])
          continue
        }
        if (stream.n++ === 0) {
          stream.t0 = performance.now()
          stream.cpu = process.cpuUsage()
        }
        if (body[0] === 0x4c /* L */) {
          const seconds = (performance.now() - stream.t0) / 1000
          const { user, system } = process.cpuUsage(stream.cpu)
          const n = stream.n - 1
          process.send({ stream: n / seconds, cpu: (user + system) / n })
          stream = { n: 0, t0: 0, cpu: null }
        }
        continue
      }
      if (seen.size === 0) idleSince = performance.now()
      seen.add(id.toString("latin1"))
      if (seen.size === peers) {
        process.send({ idleSeen: seen.size, seconds: (performance.now() - idleSince) / 1000 })
      }
    }
  })()
  process.send({ endpoint: sock.lastEndpoint })
  const inbox = commands()
  for (;;) {
    const cmd = await inbox.next()
    if (cmd.measure) {
      seen = new Set() // the bench's own bookkeeping is not the router's
      process.send({ memory: await snapshot(lib === "omq-io1"), label: cmd.measure })
    } else if (cmd.cpu) {
      const { user, system } = process.cpuUsage()
      process.send({ cpuOf: cmd.cpu, micros: user + system, echoes })
    } else if (cmd.exit) {
      break
    }
  }
  inbox.stop()
  sock.close()
  await done()
  await loop
}

// ---- active dealer process -----------------------------------------------------------------

async function activeDealer(lib, endpoint, count, trips) {
  const { Dealer, opts, done } = await openLib(lib)
  const sock = new Dealer({ ...opts, routingId: "active" })
  sock.connect(endpoint)
  const inbox = commands()
  for (;;) {
    const cmd = await inbox.next()
    if (cmd.stream) {
      const payload = Buffer.alloc(SIZE, 0x53) // S
      for (let i = 1; i < count; i++) await sock.send(payload)
      await sock.send(Buffer.alloc(SIZE, 0x4c)) // L: the last one
    } else if (cmd.echo) {
      const payload = Buffer.alloc(SIZE, 0x45) // E
      let sent = 0
      const t0 = performance.now()
      for (; sent < Math.min(ECHO_WINDOW, trips); sent++) await sock.send(payload)
      for (let got = 0; got < trips; got++) {
        await sock.receive()
        if (sent < trips) {
          await sock.send(payload)
          sent++
        }
      }
      process.send({ echo: trips / ((performance.now() - t0) / 1000) })
    } else if (cmd.exit) {
      break
    }
  }
  inbox.stop()
  sock.close()
  await done()
}

// ---- idle peers process --------------------------------------------------------------------

async function idlePeers(endpoint, peers) {
  const { encodeFrame, encodeGreeting, encodeReady } = await import("@omq/transport/zmtp")
  const greeting = encodeGreeting("NULL", false)
  const ready = encodeReady([
    ["Socket-Type", Buffer.from("DEALER")],
    ["Identity", new Uint8Array(0)],
  ])
  const hello = encodeFrame(Buffer.from("hello"), 0)
  const url = new URL(endpoint.replace(/^tcp:/, "http:"))
  const sockets = []
  let dropped = 0
  const t0 = performance.now()
  await new Promise((resolve, reject) => {
    let started = 0
    let connecting = 0
    const launch = () => {
      while (connecting < CONNECTING && started < peers) {
        started++
        connecting++
        const s = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true })
        s.once("error", reject)
        s.once("connect", () => {
          s.off("error", reject)
          s.on("error", () => dropped++)
          handshake(s, greeting, ready, hello)
          sockets.push(s)
          connecting--
          if (sockets.length === peers) resolve()
          else launch()
        })
      }
    }
    launch()
  })
  process.send({ connected: sockets.length, seconds: (performance.now() - t0) / 1000 })
  const inbox = commands()
  await inbox.next() // leave
  inbox.stop()
  // A reset, not a FIN: 10,000 sockets per run in TIME_WAIT would eat the ephemeral ports.
  for (const s of sockets) s.resetAndDestroy()
  process.send({ left: sockets.length, dropped })
}

/**
 * A DEALER's side of the ZMTP handshake, as a real peer does it: greeting; READY once the
 * router's greeting is in; the first message only once the router's READY is in (libzmq 4.3.5
 * drops a peer whose message arrives before it has sent its own READY). Then reads and drops.
 */
function handshake(s, greeting, ready, hello) {
  const at = greeting.byteLength
  let input = Buffer.alloc(0)
  const onData = (chunk) => {
    const had = input.byteLength
    input = Buffer.concat([input, chunk])
    if (had < at && input.byteLength >= at) s.write(ready)
    if (input.byteLength < at + 2) return
    const long = (input[at] & FLAG_LONG) !== 0
    if (input.byteLength < at + (long ? 9 : 2)) return
    const size = long ? Number(input.readBigUInt64BE(at + 1)) + 9 : input[at + 1] + 2
    if (input.byteLength < at + size) return
    s.off("data", onData)
    s.write(hello)
    s.resume() // anything later is read and dropped
  }
  s.on("data", onData)
  s.write(greeting)
}

// ---- parent --------------------------------------------------------------------------------

/** `reps` stream and echo measurements; the samples are appended to `into`. */
async function throughput(rt, act, reps, into = newSamples()) {
  const cpu = (label) => ask(rt, { cpu: label }, (m) => m.cpuOf === label)
  for (let i = 0; i < reps; i++) {
    const reply = message(rt, (m) => m.stream !== undefined)
    act.send({ stream: true })
    const stream = await reply
    into.stream.push(stream.stream)
    into.streamCpu.push(stream.cpu)
    const before = await cpu("before")
    into.echo.push((await ask(act, { echo: true }, (m) => m.echo !== undefined)).echo)
    const after = await cpu("after")
    into.echoCpu.push((after.micros - before.micros) / (after.echoes - before.echoes))
  }
  return into
}

const newSamples = () => ({ stream: [], streamCpu: [], echo: [], echoCpu: [] })

async function measure(lib, peers, count, trips) {
  const flags = ["--expose-gc", ...(lib === "omq-io1" ? ["--import", WORKER_PROBE] : [])]
  const rt = role(["--role", "router", "--lib", lib, "--peers", `${peers}`], flags)
  const { endpoint } = await message(rt, (m) => m.endpoint)
  const act = role([
    "--role",
    "active",
    "--lib",
    lib,
    "--endpoint",
    endpoint,
    "--count",
    `${count}`,
    "--trips",
    `${trips}`,
  ])
  const memory = async (label) =>
    (await ask(rt, { measure: label }, (m) => m.label === label)).memory

  await throughput(rt, act, WARMUP) // connection, JIT, buffers
  const bare = await throughput(rt, act, REPS)
  const base = await memory("base")

  const seenAll = message(rt, (m) => m.idleSeen !== undefined)
  const idle = role(["--role", "idle", "--endpoint", endpoint, "--peers", `${peers}`])
  await message(idle, (m) => m.connected !== undefined)
  const { seconds } = await seenAll
  const loaded = await memory("peers")
  const busy = await throughput(rt, act, REPS)

  const { dropped } = await ask(idle, { leave: true }, (m) => m.left !== undefined)
  await exited(idle)
  await sleep(2000) // lets the router take in every disconnection
  const after = await memory("after")
  await throughput(rt, act, REPS, bare) // 0 idle peers again: bare brackets busy in time

  act.send({ exit: true })
  rt.send({ exit: true })
  await Promise.all([exited(act), exited(rt)])
  if (dropped > 0) console.error(`${lib}: ${dropped} idle connections failed while idle`)
  return { base, loaded, after, bare, busy, seconds }
}

/** Heap figures of every thread of the router process (the IO worker's too, if any). */
function threads(m) {
  const w = m.worker ?? { heapUsed: 0, external: 0, arrayBuffers: 0 }
  return {
    heapUsed: m.heapUsed + w.heapUsed,
    external: m.external + w.external, // external includes arrayBuffers
    arrayBuffers: m.arrayBuffers + w.arrayBuffers,
    mainHeapUsed: m.heapUsed,
    workerHeapUsed: w.heapUsed,
    rss: m.rss,
  }
}

async function main() {
  const values = benchArgs({
    peers: { type: "string", default: "10000" },
    runs: { type: "string", default: "1" },
    count: { type: "string", default: "200000" },
    trips: { type: "string", default: "10000" },
    libs: { type: "string", default: LIBS.join(",") },
  })
  const peers = Number(values.peers)
  const count = Number(values.count)
  const trips = Number(values.trips)
  if (values.role === "router") return router(values.lib, peers)
  if (values.role === "active") return activeDealer(values.lib, values.endpoint, count, trips)
  if (values.role === "idle") return idlePeers(values.endpoint, peers)

  const libs = values.libs.split(",")
  for (const lib of libs) if (!LIBS.includes(lib)) throw new Error(`unknown library ${lib}`)
  const results = Object.fromEntries(libs.map((lib) => [lib, []]))
  for (let r = 0; r < Number(values.runs); r++) {
    for (const lib of libs) results[lib].push(await measure(lib, peers, count, trips))
  }
  if (process.env.ROUTER_BENCH_JSON) console.error(JSON.stringify(results))

  /** Median over runs of a router-memory delta per peer, in KiB. */
  const kib = (lib, field, to = "loaded") =>
    (
      median(results[lib].map((x) => threads(x[to])[field] - threads(x.base)[field])) /
      peers /
      1024
    ).toFixed(2)
  /** Median of every sample of a phase over all runs. */
  const rate = (lib, phase, kind) => median(results[lib].flatMap((x) => x[phase][kind]))

  console.log(
    `\nROUTER with ${peers} idle DEALER peers, 64 B messages, ${values.runs} run(s)\n\n` +
      "Memory per idle peer, KiB (router process, after forced GCs; all its threads):\n",
  )
  console.log(
    "| library | heapUsed | external | of which ArrayBuffers | heap + external | rss | heapUsed left after they left | router thread / IO worker heapUsed | N handshakes in |",
  )
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
  for (const lib of libs) {
    const split =
      lib === "omq-io1" ? `${kib(lib, "mainHeapUsed")} / ${kib(lib, "workerHeapUsed")}` : "–"
    const heapExt = (
      median(
        results[lib].map((x) => {
          const [a, b] = [threads(x.loaded), threads(x.base)]
          return a.heapUsed + a.external - b.heapUsed - b.external
        }),
      ) /
      peers /
      1024
    ).toFixed(2)
    const secs = median(results[lib].map((x) => x.seconds)).toFixed(1)
    console.log(
      `| ${lib} | ${kib(lib, "heapUsed")} | ${kib(lib, "external")} | ${kib(lib, "arrayBuffers")} | **${heapExt}** | ${kib(lib, "rss")} | ${kib(lib, "heapUsed", "after")} | ${split} | ${secs} s |`,
    )
  }

  const k = (x) => `${(x / 1000).toFixed(0)} k/s`
  const samples = Number(values.runs) * REPS
  console.log(
    `\nThroughput, one active DEALER (median of ${samples} samples with N idle peers, ` +
      `${2 * samples} with 0: before they came and after they left):\n`,
  )
  console.log(
    "| library | stream, 0 idle | stream, N idle | N / 0 | echo, 0 idle | echo, N idle | N / 0 | vs zeromq.js, N idle (stream / echo) |",
  )
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |")
  for (const lib of libs) {
    const [s0, s1] = [rate(lib, "bare", "stream"), rate(lib, "busy", "stream")]
    const [e0, e1] = [rate(lib, "bare", "echo"), rate(lib, "busy", "echo")]
    const zs = results.zeromq ? (s1 / rate("zeromq", "busy", "stream")).toFixed(2) : "–"
    const ze = results.zeromq ? (e1 / rate("zeromq", "busy", "echo")).toFixed(2) : "–"
    console.log(
      `| ${lib} | ${k(s0)} | ${k(s1)} | **${(s1 / s0).toFixed(2)}** | ${k(e0)} | ${k(e1)} | **${(e1 / e0).toFixed(2)}** | ${zs} / ${ze} |`,
    )
  }

  console.log(
    "\nCPU time of the whole router process (all threads, user + system), µs per message:\n",
  )
  console.log(
    "| library | stream, 0 idle | stream, N idle | N / 0 | echo, 0 idle | echo, N idle | N / 0 |",
  )
  console.log("| --- | --- | --- | --- | --- | --- | --- |")
  for (const lib of libs) {
    const [s0, s1] = [rate(lib, "bare", "streamCpu"), rate(lib, "busy", "streamCpu")]
    const [e0, e1] = [rate(lib, "bare", "echoCpu"), rate(lib, "busy", "echoCpu")]
    console.log(
      `| ${lib} | ${s0.toFixed(2)} | ${s1.toFixed(2)} | **${(s1 / s0).toFixed(2)}** | ${e0.toFixed(2)} | ${e1.toFixed(2)} | **${(e1 / e0).toFixed(2)}** |`,
    )
  }
}

await main()
