// What the cross-process benchmarks share: opening the library under test, starting a role of
// the same script as a child with an IPC channel, waiting for one of its messages, waiting for
// it to exit, and medians.
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

/** Runs `script` (an import.meta.url) again as a child process with `args`. */
export function child(script, args) {
  return spawn(process.execPath, [fileURLToPath(script), ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  })
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
 * socket classes, the options every socket takes (omq's context), and `done` to terminate.
 */
export async function openLib(lib) {
  if (lib === "zeromq") return { ...(await import("zeromq")), opts: {}, done: async () => {} }
  const omq = await import("omq")
  const context = new omq.Context({ ioThreads: lib === "omq-io0" ? 0 : 1 })
  return { ...omq, opts: { context }, done: () => context.terminate() }
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

/**
 * Starts a measurement's two children from `script`: the `binder` role first, then the
 * `connector` role with the endpoint the binder reports. Both get `--lib lib` and `params`.
 */
export async function startPair(script, lib, binder, connector, params) {
  const args = (role, extra) => [
    "--role",
    role,
    "--lib",
    lib,
    ...Object.entries({ ...params, ...extra }).flatMap(([k, v]) => [`--${k}`, `${v}`]),
  ]
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
