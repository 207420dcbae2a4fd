// What the cross-process benchmarks share: opening the library under test, starting a role of
// the same script as a child with an IPC channel, waiting for one of its messages, waiting for
// it to exit, and medians.
import { spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import v8 from "node:v8"
import { isMainThread, threadId } from "node:worker_threads"

/** Runs `script` (an import.meta.url) again as a child process with `args`. */
export function child(script, args) {
  return spawn(process.execPath, [fileURLToPath(script), ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  })
}

/**
 * Runs `script` again as a child like child(), with `nodeFlags` before the script and, when
 * `fdLimit` is given, under `ulimit -n fdLimit` (or the hard limit, where that is lower: only
 * a process with CAP_SYS_RESOURCE may raise it). The child reads its limit with processCounts().
 */
export function childWith(script, args, { nodeFlags = [], fdLimit = 0 } = {}) {
  const argv = [...nodeFlags, fileURLToPath(script), ...args]
  const stdio = ["ignore", "inherit", "inherit", "ipc"]
  if (!fdLimit) return spawn(process.execPath, argv, { stdio })
  const raise = `ulimit -n ${fdLimit} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`
  return spawn("/bin/sh", ["-c", raise, "sh", process.execPath, ...argv], { stdio })
}

/** The child's first IPC message that `pick` accepts; rejects if the child fails first. */
export function message(proc, pick) {
  return new Promise((resolve, reject) => {
    proc.on("message", (m) => pick(m) && resolve(m))
    proc.on("exit", (code) => code !== 0 && reject(new Error(`child exited ${code}`)))
  })
}

/** Resolves once the child has exited, whether with a code or by a signal. */
export const exited = (proc) =>
  new Promise((resolve) =>
    proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.on("exit", resolve),
  )

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * The library a role runs: "zeromq", or omq with "omq-io0" / "omq-io1" IO threads. Returns its
 * socket classes, the options every socket takes (the context), and `done` to terminate.
 * `maxSockets`: a context that allows that many sockets (both libraries default to 1,023, as
 * libzmq's ZMQ_MAX_SOCKETS; omq per thread).
 */
export async function openLib(lib, maxSockets = 0) {
  const limit = maxSockets > 0 ? { maxSockets } : {}
  if (lib === "zeromq") {
    const zmq = await import("zeromq")
    const opts = maxSockets > 0 ? { context: new zmq.Context(limit) } : {}
    return { ...zmq, opts, done: async () => {} }
  }
  const omq = await import("omq")
  const context = new omq.Context({ ioThreads: lib === "omq-io0" ? 0 : 1, ...limit })
  return { ...omq, opts: { context }, done: () => context.closeSocketsAndTerminate() }
}

/**
 * The command line every cross-process bench takes: which role a child plays (none for the
 * parent), the library under test, the endpoint to connect to, the number of runs, plus the
 * bench's own `options` (parseArgs option specs; they may override these defaults).
 */
export function benchArgs(options) {
  const common = {
    role: { type: "string" },
    lib: { type: "string" },
    endpoint: { type: "string" },
    runs: { type: "string", default: "3" },
  }
  return parseArgs({ options: { ...common, ...options } }).values
}

/** The command line of a child playing `role` with `lib`, each of `params` as `--name value`. */
export function roleArgs(role, lib, params) {
  const named = Object.entries(params).flatMap(([k, v]) => [`--${k}`, `${v}`])
  return ["--role", role, "--lib", lib, ...named]
}

/**
 * Starts a measurement's two children from `script`: the `binder` role first, then the
 * `connector` role with the endpoint the binder reports. Both get `--lib lib` and `params`.
 */
export async function startPair(script, lib, binder, connector, params) {
  const args = (role, extra) => roleArgs(role, lib, { ...params, ...extra })
  const first = child(script, args(binder, {}))
  const { endpoint } = await message(first, (m) => m.endpoint)
  return [first, child(script, args(connector, { endpoint }))]
}

/**
 * Times `trips` REQ round trips of `payload`; returns the sorted samples (µs) after the first
 * `skip` (the connection's warm-up).
 */
export async function roundTrips(req, trips, payload, skip) {
  const samples = new Float64Array(trips)
  for (let i = 0; i < trips; i++) {
    const t0 = process.hrtime.bigint()
    await req.send(payload)
    await req.receive()
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000
  }
  return [...samples.subarray(skip)].sort((a, b) => a - b)
}

/** The q-quantile of sorted samples. */
export const quantile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]

/**
 * A module to preload (--import) into a child with --expose-gc: each of its worker threads
 * answers "measure" on the BroadcastChannel `channel` with its memory after forced GCs.
 */
export function workerMemoryProbe(channel) {
  return `data:text/javascript,${encodeURIComponent(`
import { isMainThread, threadId } from "node:worker_threads"
if (!isMainThread) {
  const channel = new BroadcastChannel(${JSON.stringify(channel)})
  channel.onmessage = async ({ data }) => {
    if (data !== "measure") return
    for (let i = 0; i < 3; i++) {
      globalThis.gc()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const { arrayBuffers, external, heapUsed } = process.memoryUsage()
    channel.postMessage({ threadId, arrayBuffers, external, heapUsed })
  }
  channel.unref()
}`)}`
}

/**
 * This process's memory after forced GCs (needs --expose-gc): rss, and heapUsed, external and
 * arrayBuffers summed over this thread and `workers` worker threads that answer the probe of
 * workerMemoryProbe(channel) (preloaded with --import). Throws if a worker does not answer.
 */
export async function memoryAfterGc(channel, workers = 0) {
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const own = process.memoryUsage()
  const threads = [
    { heapUsed: own.heapUsed, external: own.external, arrayBuffers: own.arrayBuffers },
  ]
  if (workers > 0) {
    const probe = new BroadcastChannel(channel)
    const replies = []
    const all = new Promise((resolve) => {
      probe.onmessage = ({ data }) => replies.push(data) === workers && resolve(true)
    })
    probe.postMessage("measure")
    const timeout = new Promise((resolve) => setTimeout(resolve, 10_000, false).unref())
    const answered = await Promise.race([all, timeout])
    probe.close()
    if (!answered) throw new Error(`${replies.length} of ${workers} worker threads answered`)
    threads.push(...replies)
  }
  const sum = (key) => threads.reduce((total, t) => total + t[key], 0)
  return {
    rss: process.memoryUsage().rss,
    heapUsed: sum("heapUsed"),
    external: sum("external"), // includes arrayBuffers (not growable SharedArrayBuffers)
    arrayBuffers: sum("arrayBuffers"),
  }
}

/** This process's threads (native ones too), open fds and open-files limit, from Linux's /proc. */
export function processCounts() {
  const status = readFileSync("/proc/self/status", "utf8")
  const limits = readFileSync("/proc/self/limits", "utf8")
  return {
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]),
    fds: readdirSync("/proc/self/fd").length - 1, // less the one readdirSync opened
    fdLimit: Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]),
  }
}

/** This process's memory mappings; each counts against vm.max_map_count (65,530 by default). */
export const memoryMappings = () => readFileSync("/proc/self/maps", "utf8").split("\n").length - 1

// ---- meeting points: a child waits at a named point until its parent lets it pass ----------

/** In a child: tells the parent it is at point `name`; resolves when the parent lets it pass. */
export function reach(name) {
  return new Promise((resolve) => {
    const go = (m) => {
      if (m?.go !== name) return
      process.off("message", go)
      resolve()
    }
    process.on("message", go)
    process.send({ at: name })
  })
}

/** In the parent: resolves once every child of `procs` is at point `name` (see reach()). */
export const allAt = (procs, name) =>
  Promise.all(procs.map((p) => message(p, (m) => m.at === name)))

/** In the parent: lets every child of `procs` pass point `name`. */
export function pass(procs, name) {
  for (const p of procs) p.send({ go: name })
}

// ---- allocation meters: what each thread of a child allocates on the V8 heap ---------------
//
// Bytes are exact: V8 reports the heap's used size before and after every GC (v8.GCProfiler),
// so what a thread allocated is what the used size grew by between GCs, plus since the last one.
// (Concurrent sweeping after a mark-compact can shrink the used size between GCs; the meter
// counts the mark-compacts so that a figure they touch can be told apart.) Sites come from V8's
// sampling heap profiler (node:inspector), asked to keep the samples of objects that GCs have
// collected: without that, as with `node --heap-prof`, garbage, the thing counted here, would not
// show. Neither sees memory outside the V8 heap (ArrayBuffer backing stores, native malloc).
//
// A child's main thread commands the meters of its worker threads over a BroadcastChannel:
//
//   parent --IPC {meter: "start"}--> child main --"start"--> each worker that said "hello"
//   parent <--IPC {meter: "started"}-- child main <--"started"-- each worker
//   (the same for "stop"; the workers' reports ride on their "stopped")

const METER_CHANNEL = "omq-bench-allocation-meter"
const METER_TIMEOUT_MS = 10_000

/**
 * Starts counting what this thread allocates; `stop()` resolves with the bytes, the scavenges
 * and mark-compacts, and with `sampleEvery` (bytes; 0 for none) `sampledBytes` (the profiler's
 * estimate of the same bytes) and `sites` ({ bytes, site, via }, see allocationSites()).
 */
export async function allocationMeter(sampleEvery = 0) {
  let session = null
  if (sampleEvery > 0) {
    session = new Session()
    session.connect()
    await session.post("HeapProfiler.enable")
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: sampleEvery,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    })
  }
  const gcs = new v8.GCProfiler()
  gcs.start()
  const from = v8.getHeapStatistics().used_heap_size
  return {
    async stop() {
      const to = v8.getHeapStatistics().used_heap_size
      const { statistics } = gcs.stop()
      const report = { thread: threadId, bytes: 0, scavenges: 0, markCompacts: 0 }
      let used = from
      for (const { gcType, beforeGC, afterGC } of statistics) {
        report.bytes += beforeGC.heapStatistics.usedHeapSize - used
        used = afterGC.heapStatistics.usedHeapSize
        if (gcType === "Scavenge" || gcType.startsWith("MinorMark")) report.scavenges++
        if (gcType === "MarkSweepCompact") report.markCompacts++
      }
      report.bytes += to - used
      if (session) {
        // stopSampling answers with the profile: nothing after this point is sampled.
        const { profile } = await session.post("HeapProfiler.stopSampling")
        session.disconnect()
        Object.assign(report, allocationSites(profile.head))
      }
      return report
    },
  }
}

/**
 * The sampled bytes of a profile, summed by allocating frame and `via`: the nearest frame of a
 * file: script below it, else (for Node's own code run from the event loop) the nearest frame
 * with a script. A frame is a function (its line is where the function starts), and only those
 * on the machine stack: what the optimizer inlined into a function counts as that function's
 * (node --no-turbo-inlining shows them apart).
 */
function allocationSites(head) {
  const sites = new Map()
  let sampledBytes = 0
  const walk = (node, script, caller) => {
    const frame = node.callFrame
    if (frame.url === import.meta.url) return // the meter's own work (the profile's names)
    if (node.selfSize > 0) {
      sampledBytes += node.selfSize
      const via = frame.url.startsWith("file:") ? null : (script ?? caller)
      const key = JSON.stringify([frame, via])
      const site = sites.get(key) ?? { bytes: 0, site: frame, via }
      site.bytes += node.selfSize
      sites.set(key, site)
    }
    if (frame.url.startsWith("file:")) script = frame
    if (frame.url) caller = frame
    for (const c of node.children) walk(c, script, caller)
  }
  walk(head, null, null)
  return { sampledBytes, sites: [...sites.values()] }
}

/**
 * A module to preload (--import) into a child whose threads are to be metered: it makes every
 * worker thread answer the commands of meterCommands() in the child's main thread.
 */
export const allocationProbe = () =>
  `data:text/javascript,${encodeURIComponent(
    `import { serveThreadMeter } from ${JSON.stringify(import.meta.url)}\nserveThreadMeter()`,
  )}`

/** Worker threads (ids) that said hello; kept by a child's main thread. */
const meteredWorkers = new Set()

/**
 * Run by allocationProbe() in every thread: a worker says hello and runs a meter on command, the
 * main thread notes who said hello. The channel is unref'd: it keeps no thread alive.
 */
export function serveThreadMeter() {
  const channel = new BroadcastChannel(METER_CHANNEL)
  channel.unref()
  if (isMainThread) {
    channel.addEventListener("message", ({ data }) => {
      if (data?.hello !== undefined) meteredWorkers.add(data.hello)
    })
    return
  }
  let meter = null
  channel.addEventListener("message", async ({ data }) => {
    if (data?.command === "start") {
      meter = await allocationMeter(data.sampleEvery)
      channel.postMessage({ started: threadId })
    } else if (data?.command === "stop" && meter) {
      const report = await meter.stop()
      meter = null
      channel.postMessage({ stopped: threadId, report })
    }
  })
  channel.postMessage({ hello: threadId })
}

/** Sends `command` to the metered workers; resolves with their answers of kind `answer`. */
function commandWorkers(command, answer) {
  const channel = new BroadcastChannel(METER_CHANNEL)
  const answers = new Map()
  return new Promise((resolve, reject) => {
    const finish = (error) => {
      clearTimeout(timer)
      channel.close()
      error ? reject(error) : resolve([...answers.values()])
    }
    const timer = setTimeout(() => {
      const missing = [...meteredWorkers].filter((id) => !answers.has(id))
      finish(new Error(`worker threads ${missing} did not answer "${command.command}"`))
    }, METER_TIMEOUT_MS)
    channel.addEventListener("message", ({ data }) => {
      if (data?.[answer] === undefined || !meteredWorkers.has(data[answer])) return
      answers.set(data[answer], data)
      if (answers.size === meteredWorkers.size) finish()
    })
    if (meteredWorkers.size === 0) return finish()
    channel.postMessage(command)
  })
}

/**
 * In a child with allocationProbe() preloaded: answers the parent's startMeters() and
 * stopMeters() for its main thread and every worker thread. Returns a function that stops
 * answering (a listener on `process` keeps the IPC channel, and so the child, alive).
 */
export function meterCommands() {
  let own = null
  const answer = async (m) => {
    if (m?.meter === "start") {
      await commandWorkers({ command: "start", sampleEvery: m.sampleEvery }, "started")
      own = await allocationMeter(m.sampleEvery)
      process.send({ meter: "started" })
    } else if (m?.meter === "stop") {
      const main = { ...(await own.stop()), thread: "main" }
      const workers = await commandWorkers({ command: "stop" }, "stopped")
      process.send({ meter: "stopped", threads: [main, ...workers.map((w) => w.report)] })
    }
  }
  process.on("message", answer)
  return () => process.off("message", answer)
}

/** In the parent: starts the meters of every child of `procs` (see meterCommands()). */
export function startMeters(procs, sampleEvery = 0) {
  return Promise.all(
    procs.map((p) => {
      const started = message(p, (m) => m.meter === "started")
      p.send({ meter: "start", sampleEvery })
      return started
    }),
  )
}

/** In the parent: stops the meters; resolves with each child's reports, one per thread. */
export function stopMeters(procs) {
  return Promise.all(
    procs.map(async (p) => {
      const stopped = message(p, (m) => m.meter === "stopped")
      p.send({ meter: "stop" })
      return (await stopped).threads
    }),
  )
}

/**
 * Every thread of this process: [ns of CPU, times scheduled in (about one per wake-up)], by
 * thread id, from Linux's /proc/self/task/<tid>/schedstat.
 */
export function threadCpu() {
  const out = new Map()
  for (const tid of readdirSync("/proc/self/task")) {
    const [ns, , slices] = readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")
    out.set(Number(tid), [Number(ns), Number(slices)])
  }
  return out
}
