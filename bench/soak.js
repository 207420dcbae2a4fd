// Soak: one set of long-lived omq sockets under mixed load for a long time, while the process at
// the other end is SIGKILLed and restarted every few seconds. Watches for what a short benchmark
// cannot see: memory, handles, fds or threads that grow, and traffic that stops after a restart.
//
//   node bench/soak.js [--minutes 30 | --seconds N] [--ioThreads 0|1] [--sample-seconds 10]
//                      [--kill-seconds 10] [--rate 1000] [--json]
//
// The soak process (a child of this one) binds a PULL and a REP (the peer connects to them),
// connects a REQ, a SUB and a PUSH to the peer's REP, PUB and PULL, and opens, uses and closes a
// REQ against its own REP 20 times a second (churn). Each stream carries --rate messages/s, mostly
// 64 B, every 10th 4 KiB and every 100th 256 KiB. Every --sample-seconds it records RSS, and heap,
// external and arrayBuffers memory summed over its threads (after forced GCs in each), active
// handles, open fds, threads, and the messages done per kind. At the end this prints one row per
// sample and a verdict: after warm-up (the first 20% of samples) RSS and heap stay within ±10% of
// their median, handles, fds and threads do not grow (by more than 2), every kind of traffic moved
// in every life of the peer, and the soak process exited by itself. --json prints it all as one
// JSON object instead (packages/runtime/test/soak.test.ts reads it). Linux only (/proc).
import { readFileSync } from "node:fs"
import { createServer } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"
import {
  benchArgs,
  child,
  childWith,
  exited,
  median,
  memoryAfterGc,
  message,
  openLib,
  processCounts,
  workerMemoryProbe,
} from "./child-processes.js"

/**
 * What the soak counts: messages received (pull, sub), delivered to the peer (push), round trips
 * (req as client, rep as server), churned sockets, and reconnects (handshakes completed by the
 * soak's REQ, SUB and PUSH: three in each life of the peer).
 */
const KINDS = ["pull", "push", "req", "rep", "sub", "churn", "reconnects"]
const WARM_UP = 0.2
const MEMORY_BAND = 0.1
/** How far handles, fds and threads may end above their level after warm-up: a churned socket
 *  may be open, or the peer restarting, when a sample is taken. */
const COUNT_SLACK = 2
const CHURN_PER_SECOND = 20
/** Pacing granularity: each loop does its share of the rate once per beat. */
const BEAT_MS = 10
/** A peer must exit this long after "stop", the soak process after closing everything. */
const EXIT_BOUND_MS = 10_000
const PROBE_CHANNEL = "omq-soak-memory"
/**
 * The soak process's young generation fixed at 16 MiB semi-spaces, V8's largest by default on
 * 64-bit: V8 otherwise grows it in steps when it sees fit, at any time, in each thread, which
 * reads as RSS growing by up to ~60 MB (measured: RSS went flat with the size fixed).
 */
const YOUNG_GENERATION = ["--min-semi-space-size=16", "--max-semi-space-size=16"]
/** The REQ gives up on a reply (lost with a killed peer) after this, and asks again. */
const REQ_RETRY_MS = 1000

const PAYLOADS = [Buffer.alloc(64, 1), Buffer.alloc(4096, 2), Buffer.alloc(256 * 1024, 3)]
const payload = (i) => PAYLOADS[i % 100 === 0 ? 2 : i % 10 === 0 ? 1 : 0]

/** A beat every BEAT_MS: paced loops await next(); stop() releases them for good. */
class Beat {
  #release = () => {}
  #next = this.#arm()
  #timer = setInterval(() => {
    const release = this.#release
    this.#next = this.#arm()
    release()
  }, BEAT_MS)

  #arm() {
    return new Promise((resolve) => {
      this.#release = resolve
    })
  }
  next() {
    return this.#next
  }
  stop() {
    clearInterval(this.#timer)
    this.#release()
  }
}

/**
 * Runs loops until `stop()`. An error while running is a failure (printed, kept in `failures`);
 * errors after stop() are the sockets being closed under the loops.
 */
class Load {
  running = true
  failures = []
  #loops = []
  #beat = new Beat()

  /** Calls `op` again and again, paced by whoever sends to it. */
  forever(name, op) {
    this.#add(name, async () => {
      while (this.running) await op()
    })
  }

  /** Calls `op(i)` `perSecond` times a second (fewer if it cannot keep up). */
  paced(name, perSecond, op) {
    this.#add(name, async () => {
      let credit = 0
      for (let i = 0; this.running; await this.#beat.next()) {
        for (credit += (perSecond * BEAT_MS) / 1000; credit >= 1 && this.running; credit--) {
          await op(i++)
        }
      }
    })
  }

  #add(name, loop) {
    this.#loops.push(
      loop().catch((err) => {
        if (!this.running) return
        this.failures.push(`${name}: ${err.stack ?? err}`)
        console.error(`soak: ${name} failed:`, err)
      }),
    )
  }

  /** Stops pacing; loops waiting on a socket end when the sockets close. */
  stop() {
    this.running = false
    this.#beat.stop()
  }

  /** Resolves once every loop has returned. */
  ended() {
    return Promise.all(this.#loops)
  }
}

function check(ok, what) {
  if (!ok) throw new Error(what)
}

/**
 * The peer: a REP, a PUB and a PULL bound at fixed ports (the same in each of its lives, so the
 * soak's connects find it again), a PUSH and a REQ connected to the soak's PULL and REP. Reports
 * what its PULL received; on "stop" it closes everything and must exit on its own.
 */
async function peer(values) {
  const { Publisher, Pull, Push, Reply, Request, opts, done } = await openLib(values.lib)
  const o = { ...opts, linger: 0 }
  const [repAt, pubAt, pullAt] = values.listen.split(",")
  const [soakPull, soakRep] = values.endpoint.split(",")
  const rep = new Reply(o)
  const pub = new Publisher(o)
  const pull = new Pull(o)
  await rep.bind(repAt)
  await pub.bind(pubAt)
  await pull.bind(pullAt)
  const push = new Push(o)
  push.connect(soakPull)
  const req = new Request(o)
  req.connect(soakRep)

  const rate = Number(values.rate)
  const load = new Load()
  let delivered = 0
  load.forever("peer rep", async () => rep.send(await rep.receive()))
  load.forever("peer pull", async () => {
    const [seq, body] = await pull.receive()
    check(body.length === payload(Number(seq)).length, `peer pull: ${seq} has ${body.length} B`)
    delivered++
  })
  load.paced("peer push", rate, (i) => push.send([`${i}`, payload(i)]))
  // Half the messages are for a topic the soak does not subscribe to, and must not reach it.
  load.paced("peer pub", rate, (i) => pub.send([i % 2 ? "x" : "t", payload(i)]))
  load.paced("peer req", rate, async (i) => {
    await req.send(`${i}`)
    const [reply] = await req.receive()
    check(reply.toString() === `${i}`, `peer req: reply ${reply} to ${i}`)
  })
  const report = setInterval(() => {
    process.send({ delivered })
    delivered = 0
  }, 100)
  process.send({ ready: true })

  await stopRequested()
  load.stop()
  clearInterval(report)
  await done()
  await load.ended()
  if (load.failures.length > 0) process.exitCode = 1
}

/** Resolves on "stop" from the parent, or when the parent is gone; then hears no more (a
 *  listener on the IPC channel would keep the process alive). */
function stopRequested() {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("message", stop)
      process.off("disconnect", stop)
      resolve()
    }
    process.on("message", stop)
    process.on("disconnect", stop)
  })
}

/** Free tcp ports below the ephemeral range, for the peer's listeners: a connect retried while
 *  the peer is down can then never be given the very port it dials, and connect to itself. */
async function quietPorts(n) {
  const range = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
  const top = Number(range.trim().split(/\s+/)[0])
  const bottom = Math.min(10_000, top - 1000)
  const ports = []
  while (ports.length < n) {
    const port = bottom + Math.floor(Math.random() * (top - bottom))
    if (!ports.includes(port) && (await isFree(port))) ports.push(port)
  }
  return ports
}

function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })
}

/**
 * Memory after full GCs in every thread (so that heaps are live data, not garbage), summed over
 * the main thread and the `workers` IO threads; active handles, by type; fds; threads.
 */
async function sample(workers) {
  const memory = await memoryAfterGc(PROBE_CHANNEL, workers)
  const resources = {}
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1
  const { fds, threads } = processCounts()
  const handles = Object.values(resources).reduce((a, b) => a + b, 0)
  return { ...memory, handles, fds, threads, resources }
}

/**
 * The samples after warm-up: for RSS and heap, their median and largest deviation from it; for
 * every measure, its level just after warm-up and at the end (medians of the first and last
 * thirds, so that one socket opening at the moment of a sample does not count as growth).
 */
function summarize(samples) {
  const post = samples.slice(Math.max(1, Math.ceil(samples.length * WARM_UP)))
  const third = Math.max(1, Math.floor(post.length / 3))
  const level = (key) => ({
    afterWarmUp: median(post.slice(0, third).map((s) => s[key])),
    atEnd: median(post.slice(-third).map((s) => s[key])),
  })
  const memory = (key) => {
    const mid = median(post.map((s) => s[key]))
    const { afterWarmUp, atEnd } = level(key)
    return {
      median: mid,
      maxDeviation: Math.max(...post.map((s) => Math.abs(s[key] - mid) / mid)),
      growth: atEnd / afterWarmUp - 1,
    }
  }
  return {
    warmUpSamples: samples.length - post.length,
    rss: memory("rss"),
    heapUsed: memory("heapUsed"),
    handles: level("handles"),
    fds: level("fds"),
    threads: level("threads"),
  }
}

/** The soak process: its sockets, their load, the peer's lives, the samples. */
async function soak(values) {
  const seconds = values.seconds ? Number(values.seconds) : Number(values.minutes) * 60
  const killEvery = Number(values["kill-seconds"])
  const rate = Number(values.rate)
  const lib = `omq-io${values.ioThreads}`
  const omq = await openLib(lib)
  const o = { ...omq.opts, linger: 0 }
  const counts = Object.fromEntries(KINDS.map((k) => [k, 0]))

  const pull = new omq.Pull(o)
  const rep = new omq.Reply(o)
  await pull.bind("tcp://127.0.0.1:*")
  await rep.bind("tcp://127.0.0.1:*")
  const listen = (await quietPorts(3)).map((p) => `tcp://127.0.0.1:${p}`)
  const req = new omq.Request({
    ...o,
    correlate: true,
    relaxed: true,
    receiveTimeout: REQ_RETRY_MS,
  })
  req.connect(listen[0])
  const sub = new omq.Subscriber(o)
  sub.connect(listen[1])
  sub.subscribe("t")
  const push = new omq.Push(o)
  push.connect(listen[2])
  for (const s of [req, sub, push]) s.events.on("handshake", () => counts.reconnects++)

  const load = new Load()
  const failures = load.failures
  addLoad(load, { pull, rep, req, sub, push }, counts, rate, () => new omq.Request(o))
  const t0 = performance.now()
  const elapsed = () => (performance.now() - t0) / 1000
  const args = [
    ...["--role", "peer", "--lib", lib, "--rate", `${rate}`, "--listen", listen.join(",")],
    ...["--endpoint", `${pull.lastEndpoint},${rep.lastEndpoint}`],
  ]
  const peer = new PeerLives({ args, counts, failures, elapsed })

  const samples = []
  let sampling = Promise.resolve()
  const sampler = setInterval(() => {
    sampling = sampling.then(async () => {
      const t = elapsed()
      const counted = { ...counts }
      samples.push({ t, ...(await sample(Number(values.ioThreads))), ...counted })
    })
  }, Number(values["sample-seconds"]) * 1000)
  try {
    await peer.start()
    // Kills leave the last life a full period, so that every life can show progress.
    for (let at = killEvery; at + killEvery <= seconds; at += killEvery) {
      await sleep((at - elapsed()) * 1000)
      await peer.kill()
      await peer.start()
    }
    await sleep((seconds - elapsed()) * 1000)
  } catch (err) {
    failures.push(`soak: ${err.stack ?? err}`)
  } finally {
    clearInterval(sampler)
    await sampling.catch((err) => failures.push(`sample: ${err.stack ?? err}`))
    load.stop()
    const peerExit = await peer.stop()
    if (peerExit !== 0) failures.push(`peer did not stop cleanly: ${peerExit}`)
    await omq.done()
    await load.ended()
  }
  const closed = await sample(0)
  const options = { seconds, ioThreads: Number(values.ioThreads), killEvery, rate }
  const cycles = peer.cycles
  return { options, samples, cycles, summary: summarize(samples), closed, failures }
}

/** The soak process's traffic, counted in `counts`; churn opens sockets with `newRequest`. */
function addLoad(load, { pull, rep, req, sub, push }, counts, rate, newRequest) {
  load.forever("pull", async () => {
    const [seq, body] = await pull.receive()
    check(body.length === payload(Number(seq)).length, `pull: ${seq} has ${body.length} B`)
    counts.pull++
  })
  load.forever("sub", async () => {
    const [topic] = await sub.receive()
    check(topic.toString() === "t", `sub: topic ${topic} was not subscribed to`)
    counts.sub++
  })
  load.forever("rep", async () => {
    await rep.send(await rep.receive())
    counts.rep++
  })
  load.paced("push", rate, (i) => push.send([`${i}`, payload(i)]))
  load.paced("req", rate, async (i) => {
    await req.send([`${i}`, payload(i)])
    try {
      const [seq, body] = await req.receive()
      check(seq.toString() === `${i}` && body.length === payload(i).length, `req: reply ${seq}`)
      counts.req++
    } catch (err) {
      if (err.code !== "EAGAIN") throw err // else the peer died with it: ask anew (relaxed)
    }
  })
  load.paced("churn", CHURN_PER_SECOND, async (i) => {
    const once = newRequest()
    try {
      once.connect(rep.lastEndpoint)
      await once.send(`churn ${i}`)
      await once.receive()
      counts.churn++
    } finally {
      once.close()
      await once.finished
    }
  })
}

/**
 * The peer's lives. Each one (a cycle) runs from its start, once the last one is dead, to its
 * kill, and records how far every kind of traffic got meanwhile; a peer that dies by itself is
 * a failure. Adds what the peer reports it received to `counts.push`.
 */
class PeerLives {
  cycles = []
  #current = null

  /** `soak`: the peer's `args`, and the soak's `counts`, `failures` and `elapsed()`. */
  constructor(soak) {
    this.soak = soak
  }

  async start() {
    this.cycles.push({ from: this.soak.elapsed(), start: { ...this.soak.counts } })
    const proc = child(import.meta.url, this.soak.args)
    const life = { proc, ending: false, closed: new Promise((r) => proc.once("close", r)) }
    this.#current = life
    proc.on("message", (m) => {
      if (m.delivered) this.soak.counts.push += m.delivered
    })
    proc.on("exit", (code, signal) => {
      if (!life.ending) this.soak.failures.push(`peer exited by itself (${code ?? signal})`)
    })
    await message(proc, (m) => m.ready)
  }

  /** SIGKILLs the peer; resolves once it is gone, its last IPC messages counted. */
  async kill() {
    this.#end()
    this.#current.proc.kill("SIGKILL")
    await this.#current.closed
  }

  /** Asks the peer to close everything; resolves with its exit code, or what happened. */
  async stop() {
    const { proc } = this.#current
    this.#end()
    if (proc.exitCode === null && proc.signalCode === null) proc.send("stop")
    return exitWithin(proc, '"stop"')
  }

  #end() {
    const cycle = this.cycles.at(-1)
    this.#current.ending = true
    if (cycle.progress) return
    cycle.to = this.soak.elapsed()
    cycle.progress = Object.fromEntries(KINDS.map((k) => [k, this.soak.counts[k] - cycle.start[k]]))
    delete cycle.start
  }
}

/**
 * Resolves with `proc`'s exit code (or signal); if it is still running EXIT_BOUND_MS from now,
 * kills it and resolves with a sentence saying so.
 */
async function exitWithin(proc, after) {
  const bound = new AbortController()
  const hung = sleep(EXIT_BOUND_MS, "hung", { signal: bound.signal }).catch(() => {})
  const outcome = await Promise.race([exited(proc), hung])
  bound.abort()
  if (outcome !== "hung") return proc.exitCode ?? proc.signalCode
  proc.kill("SIGKILL")
  await exited(proc)
  return `still running ${EXIT_BOUND_MS} ms after ${after}`
}

const mb = (bytes) => (bytes / 2 ** 20).toFixed(1)

function report({ options, samples, cycles, summary, closed, failures }) {
  console.log(
    `Soak ${options.seconds} s, ioThreads ${options.ioThreads}, peer SIGKILLed every ` +
      `${options.killEvery} s, ${options.rate} messages/s per stream`,
  )
  console.table(
    samples.map((s) => ({
      "t s": Math.round(s.t),
      "rss MB": mb(s.rss),
      "heap MB": mb(s.heapUsed),
      "ext MB": mb(s.external),
      "arrayBuf MB": mb(s.arrayBuffers),
      handles: s.handles,
      fds: s.fds,
      threads: s.threads,
      ...Object.fromEntries(KINDS.map((k) => [k, s[k]])),
    })),
  )
  const verdicts = []
  const say = (ok, text) => verdicts.push(`${ok ? "ok  " : "FAIL"} ${text}`)
  for (const key of ["rss", "heapUsed"]) {
    const { median: mid, maxDeviation } = summary[key]
    say(
      maxDeviation <= MEMORY_BAND,
      `${key}: at most ${(maxDeviation * 100).toFixed(1)}% from its median ${mb(mid)} MB ` +
        `after warm-up (${summary.warmUpSamples} samples); allowed ±${MEMORY_BAND * 100}%`,
    )
  }
  for (const key of ["handles", "fds", "threads"]) {
    const { afterWarmUp, atEnd } = summary[key]
    say(
      atEnd <= afterWarmUp + COUNT_SLACK,
      `${key}: ${afterWarmUp} after warm-up, ${atEnd} at the end; allowed +${COUNT_SLACK}`,
    )
  }
  const stalled = cycles.filter((c) => KINDS.some((k) => c.progress[k] === 0))
  say(
    stalled.length === 0,
    `every kind of traffic moved in each of the peer's ${cycles.length} lives` +
      stalled.map((c) => `; stalled ${c.from.toFixed(0)}-${c.to.toFixed(0)} s`).join(""),
  )
  say(failures.length === 0, `no errors${failures.map((f) => `\n  ${f}`).join("")}`)
  console.log(verdicts.join("\n"))
  console.log(
    `after closing everything: ${closed.handles} handles, ${closed.fds} fds, ` +
      `${closed.threads} threads, rss ${mb(closed.rss)} MB`,
  )
  console.log(verdicts.every((v) => v.startsWith("ok")) ? "SOAK PASSED" : "SOAK FAILED")
}

async function main() {
  const values = benchArgs({
    minutes: { type: "string", default: "30" },
    seconds: { type: "string" },
    ioThreads: { type: "string", default: "1" },
    "sample-seconds": { type: "string", default: "10" },
    "kill-seconds": { type: "string", default: "10" },
    rate: { type: "string", default: "1000" },
    listen: { type: "string" },
    json: { type: "boolean", default: false },
  })
  if (values.role === "peer") return peer(values)
  if (values.role === "soak") return process.send({ result: await soak(values) })
  // The soak runs in a child: with --expose-gc and a memory probe in each of its worker threads,
  // to weigh every thread's live memory, and watched, to see that it exits by itself once it has
  // closed everything (without process.exit()).
  const proc = childWith(import.meta.url, ["--role", "soak", ...process.argv.slice(2)], {
    nodeFlags: ["--expose-gc", ...YOUNG_GENERATION, "--import", workerMemoryProbe(PROBE_CHANNEL)],
  })
  const { result } = await message(proc, (m) => m.result)
  const exit = await exitWithin(proc, "closing everything")
  if (exit !== 0) result.failures.push(`the soak process did not exit cleanly: ${exit}`)
  if (values.json) console.log(JSON.stringify(result))
  else report(result)
  if (result.failures.length > 0) process.exitCode = 1 // the verdict is for a person to read
}

await main()
