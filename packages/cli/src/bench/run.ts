// Runs a bench as its options say: both sides in this process (each library, --runs times,
// interleaved so that machine noise hits them alike), or one side against another process.
import { rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ClientResult, echoRoundTrips, measureRoundTrips } from "./latency.js"
import {
  type BenchSocket,
  checkLibrary,
  type EchoSocket,
  LIBRARY_LABEL,
  type Library,
  type LibraryName,
  openLibrary,
  type TwoWaySocket,
} from "./library.js"
import type { BenchOptions } from "./options.js"
import type { Plan } from "./protocol.js"
import { checkInterval, RunMeter } from "./run-meter.js"
import { type LatencyPercentiles, medianFields } from "./stats.js"
import { receiveMessages, sendMessages } from "./throughput.js"

/** The figures of one run of one library: the numbers the table and the JSON show. */
export type Figures = Record<string, number | null | LatencyPercentiles>

/** What one run leaves for the chart: the timeline (thr) or the sorted samples (lat). */
export interface ChartData {
  timeline?: readonly number[]
  samples?: Float64Array
}

export interface LibraryResult {
  library: LibraryName
  /** The median of each figure over the runs. */
  median: Figures
  runs: Figures[]
  /** From the last run. */
  chart: ChartData
}

export interface BenchResult {
  options: BenchOptions
  /** omq (or --lib) first, then the --compare library. */
  results: LibraryResult[]
  /** On stderr when bound, so that a `tcp://*:*` endpoint can be found. */
  boundEndpoint: string | null
}

export function planOf(options: BenchOptions): Plan {
  const { mode, size, count, durationMs } = options
  return { mode, size, count, durationMs, warmup: options.warmup }
}

/** Runs the bench; `onBound` hears the endpoint a --bind side listens on. */
export async function runBench(
  options: BenchOptions,
  onBound: (endpoint: string) => void,
): Promise<BenchResult> {
  if (options.role !== "both") {
    const { figures, chart, boundEndpoint } = await runOneSide(options, onBound)
    const result = { library: options.lib, median: figures, runs: [figures], chart }
    return { options, results: [result], boundEndpoint }
  }
  const libraries: LibraryName[] = options.compare ? [options.lib, options.compare] : [options.lib]
  for (const name of libraries) await checkLibrary(name)
  const runs = new Map<LibraryName, { figures: Figures; chart: ChartData }[]>(
    libraries.map((name) => [name, []]),
  )
  for (let run = 1; run <= options.runs; run++)
    for (const name of libraries) runs.get(name)!.push(await runInProcess(options, name, run))
  const results = libraries.map((library) => {
    const done = runs.get(library)!
    const figures = done.map((r) => r.figures)
    return { library, median: medianFields(figures), runs: figures, chart: done.at(-1)!.chart }
  })
  return { options, results, boundEndpoint: null }
}

function meter(options: BenchOptions, plan: Plan | null, label: string, show: boolean): RunMeter {
  const unit = options.mode === "thr" ? "msgs" : "trips"
  const size = plan?.size ?? options.size
  // Round trips are slow enough to read the clock after each.
  const every = options.mode === "lat" ? 1 : checkInterval(size)
  const count = plan ? plan.count : options.countGiven ? options.count : null
  const durationMs = plan ? plan.durationMs : null
  // A bar needs a total: a receiver told neither count nor duration shows none.
  const progress = show && (count !== null || durationMs !== null)
  return new RunMeter({ label, unit, count, durationMs, size, progress }, every)
}

/** An endpoint of `transport` that only this run uses. */
function localEndpoint(options: BenchOptions, library: LibraryName, run: number): string {
  const name = `omq-bench-${process.pid}-${library}-${run}`
  switch (options.transport) {
    case "tcp":
      return "tcp://127.0.0.1:*"
    case "ws":
      return "ws://127.0.0.1:*"
    case "ipc":
      return `ipc://${join(tmpdir(), `${name}.sock`)}`
    case "inproc":
      return `inproc://${name}`
  }
}

async function runInProcess(
  options: BenchOptions,
  name: LibraryName,
  run: number,
): Promise<{ figures: Figures; chart: ChartData }> {
  const lib = await openLibrary(name, options.ioThreads)
  const endpoint = localEndpoint(options, name, run)
  const plan = planOf(options)
  const runs = options.runs > 1 ? ` ${run}/${options.runs}` : ""
  const label = `${LIBRARY_LABEL[name]} ${options.mode} ${options.transport}${runs}`
  try {
    if (options.mode === "thr") {
      const pull = lib.pull()
      await pull.bind(endpoint)
      const push = lib.push()
      push.connect(pull.lastEndpoint ?? endpoint)
      const receiving = meter(options, plan, label, options.progress)
      const [sender, receiver] = await Promise.all([
        sendMessages(push, plan, meter(options, plan, label, false)),
        receiveMessages(pull, () => receiving, null),
      ])
      const { messages, sentBySender: _, ...rest } = receiver
      const figures = { sent: sender.messages, received: messages, ...rest }
      return { figures, chart: { timeline: receiving.timeline } }
    }
    const [server, client] = latencyPair(lib, options.pattern)
    await server.bind(endpoint)
    client.connect(server.lastEndpoint ?? endpoint)
    const [, measured] = await Promise.all([
      echoRoundTrips(server, () => meter(options, plan, label, false)),
      measureRoundTrips(
        client,
        options.pattern === "dealer",
        plan,
        meter(options, plan, label, options.progress),
      ),
    ])
    return latencyResult(measured)
  } finally {
    await lib.close()
    if (options.transport === "ipc") rmSync(endpoint.slice("ipc://".length), { force: true })
  }
}

function latencyPair(lib: Library, pattern: BenchOptions["pattern"]): [EchoSocket, TwoWaySocket] {
  return pattern === "dealer" ? [lib.router(), lib.dealer()] : [lib.reply(), lib.request()]
}

function latencyResult({ figures, samples }: ClientResult): { figures: Figures; chart: ChartData } {
  return { figures: { ...figures }, chart: { samples } }
}

/** Runs a bind or connect; a failure says which endpoint, keeping its code (EINVAL: exit 2). */
async function naming(endpoint: string, verb: string, call: () => Promise<void>): Promise<void> {
  try {
    await call()
  } catch (error) {
    const { message, code } = error as { message: string; code?: string }
    throw Object.assign(new Error(`cannot ${verb} ${endpoint}: ${message}`), { code })
  }
}

/** This process's side of a two-process run. */
async function runOneSide(
  options: BenchOptions,
  onBound: (endpoint: string) => void,
): Promise<{ figures: Figures; chart: ChartData; boundEndpoint: string | null }> {
  const lib = await openLibrary(options.lib, options.ioThreads)
  const label = `${LIBRARY_LABEL[options.lib]} ${options.mode} ${options.role}`
  const plan = planOf(options)
  const show = options.progress
  let boundEndpoint: string | null = null
  /** Binds or connects the side's one socket. */
  const place = async <S extends BenchSocket>(socket: S): Promise<S> => {
    if (!options.bind) {
      await naming(options.endpoint!, "connect to", async () => socket.connect(options.endpoint!))
      return socket
    }
    await naming(options.endpoint!, "bind to", () => socket.bind(options.endpoint!))
    boundEndpoint = socket.lastEndpoint ?? options.endpoint!
    onBound(boundEndpoint)
    return socket
  }
  try {
    switch (options.role) {
      case "send": {
        const m = meter(options, plan, label, show)
        const { messages, ...rest } = await sendMessages(await place(lib.push()), plan, m)
        return {
          figures: { sent: messages, ...rest },
          chart: { timeline: m.timeline },
          boundEndpoint,
        }
      }
      case "receive": {
        const meters: RunMeter[] = []
        const { messages, ...rest } = await receiveMessages(
          await place(lib.pull()),
          (p) => meters[meters.push(meter(options, p, label, show)) - 1]!,
          options.countGiven ? options.count : null,
        )
        const chart = { timeline: meters[0]!.timeline }
        return { figures: { received: messages, ...rest }, chart, boundEndpoint }
      }
      case "client": {
        const client = options.pattern === "dealer" ? lib.dealer() : lib.request()
        const m = meter(options, plan, label, show)
        const measured = await measureRoundTrips(
          await place(client),
          options.pattern === "dealer",
          plan,
          m,
        )
        return { ...latencyResult(measured), boundEndpoint }
      }
      default: {
        const server = options.pattern === "dealer" ? lib.router() : lib.reply()
        const echoed = await echoRoundTrips(await place(server), (p) =>
          meter(options, p, label, show),
        )
        return { figures: { ...echoed }, chart: {}, boundEndpoint }
      }
    }
  } finally {
    await lib.close()
  }
}
