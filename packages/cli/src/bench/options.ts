// The options of `omq bench thr|lat`, parsed and checked before any socket opens. Every
// mistake is a UsageError, which the command turns into a message and exit code 2.
import { existsSync } from "node:fs"
import { dirname } from "node:path"
import type { LibraryName } from "./library.js"

export class UsageError extends Error {
  override name = "UsageError"
}

export type BenchMode = "thr" | "lat"

/** The transports a bench can run over (wss needs TLS keys, which bench does not take). */
export const TRANSPORTS = ["tcp", "ipc", "inproc", "ws"] as const
export type Transport = (typeof TRANSPORTS)[number]

/**
 * What this process does. "both": the two sides in this process. Across two processes, thr's
 * "send" and "receive" and lat's "client" (which measures) and "server" (which echoes).
 */
export type Role = "both" | "send" | "receive" | "client" | "server"

export interface BenchOptions {
  mode: BenchMode
  transport: Transport
  role: Role
  /** The endpoint of a two-process run (bound or connected as `bind` says); null in-process. */
  endpoint: string | null
  bind: boolean
  size: number
  /** Messages (thr) or measured round trips (lat); null when a duration is given. */
  count: number | null
  durationMs: number | null
  /** Whether --count was given: a receiver then also stops after that many (for libzmq's remote_thr). */
  countGiven: boolean
  ioThreads: number
  runs: number
  lib: LibraryName
  compare: LibraryName | null
  /** lat: REQ/REP, or DEALER/ROUTER (the DEALER adds REQ's empty delimiter, so any pair works). */
  pattern: "req" | "dealer"
  warmup: number
  json: boolean
  chart: string | null
  bins: number
  progress: boolean
}

/** What commander hands over (strings as typed; flags as booleans). */
export interface RawBenchOptions {
  transport?: string
  bind?: string
  connect?: string
  role?: string
  size: string
  count?: string
  duration?: string
  ioThreads: string
  runs: string
  lib: string
  compare?: string
  pattern?: string
  warmup?: string
  json?: boolean
  chart?: string
  bins?: string
  progress?: boolean
}

export const DEFAULT_COUNT: Record<BenchMode, number> = { thr: 200_000, lat: 10_000 }

/** Bytes: `64`, `1k`/`1KiB` (1,024), `1m`/`1MiB`. Up to 256 MiB; 0 sends empty messages. */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*(k|kb|kib|m|mb|mib)?$/i.exec(text.trim())
  if (!m) throw new UsageError(`bad size '${text}': expected bytes such as 64, 1k or 1m`)
  const unit = m[2]?.[0]?.toLowerCase()
  const bytes = Number(m[1]) * (unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : 1)
  if (bytes > 256 * 1024 ** 2) throw new UsageError(`bad size '${text}': at most 256m`)
  return bytes
}

/** A positive whole number; `k` and `m` multiply by 1,000 and 1,000,000. */
export function parseCount(text: string, what: string, min = 1): number {
  const m = /^(\d+)(k|m)?$/i.exec(text.trim().replaceAll("_", ""))
  const n = m ? Number(m[1]) * (m[2] ? (m[2].toLowerCase() === "k" ? 1e3 : 1e6) : 1) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`bad ${what} '${text}': expected a whole number ≥ ${min}`)
  return n
}

/** `10s`, `500ms`, `2m` or bare seconds (`1.5`). */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim())
  const ms = m ? Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "m" ? 60_000 : 1000) : Number.NaN
  if (!(ms > 0)) throw new UsageError(`bad duration '${text}': expected 10s, 500ms, 2m or seconds`)
  return ms
}

/** The transport of `transport://address`, checked: bench cannot run over wss, udp and the rest. */
export function endpointTransport(endpoint: string): Transport {
  const m = /^([a-z]+):\/\/(.+)$/.exec(endpoint)
  if (!m)
    throw new UsageError(
      `bad endpoint '${endpoint}': expected transport://address, e.g. tcp://127.0.0.1:5555`,
    )
  return checkTransport(m[1]!)
}

function checkTransport(name: string): Transport {
  if ((TRANSPORTS as readonly string[]).includes(name)) return name as Transport
  throw new UsageError(`unknown transport '${name}': bench runs over ${TRANSPORTS.join(", ")}`)
}

function checkLibrary(name: string, flag: string): LibraryName {
  if (name === "omq" || name === "zeromq") return name
  throw new UsageError(`bad ${flag} '${name}': expected omq or zeromq`)
}

const ROLES: Record<BenchMode, readonly Role[]> = {
  thr: ["send", "receive"],
  lat: ["client", "server"],
}

/** Checks and converts the options of `omq bench <mode>`. */
export function resolveOptions(mode: BenchMode, raw: RawBenchOptions): BenchOptions {
  if (raw.bind && raw.connect) throw new UsageError("give --bind or --connect, not both")
  const endpoint = raw.bind ?? raw.connect ?? null
  let transport = raw.transport ? checkTransport(raw.transport) : null
  if (endpoint) {
    const given = endpointTransport(endpoint)
    if (transport && transport !== given)
      throw new UsageError(`--transport ${transport} does not match the endpoint ${endpoint}`)
    transport = given
    if (given === "inproc")
      throw new UsageError("inproc does not cross processes: drop --bind/--connect to run in one")
  }
  let role: Role = "both"
  if (endpoint) {
    const [binder, connector] = mode === "thr" ? ["receive", "send"] : ["server", "client"]
    role = (raw.role ?? (raw.bind ? binder : connector)) as Role
    if (!ROLES[mode].includes(role))
      throw new UsageError(`bad --role '${raw.role}' for ${mode}: ${ROLES[mode].join(" or ")}`)
  } else if (raw.role) throw new UsageError("--role needs --bind or --connect")

  if (raw.count !== undefined && raw.duration !== undefined)
    throw new UsageError("give --count or --duration, not both")
  const durationMs = raw.duration !== undefined ? parseDuration(raw.duration) : null
  const count =
    raw.count !== undefined
      ? parseCount(raw.count, "count")
      : durationMs === null
        ? DEFAULT_COUNT[mode]
        : null
  const runs = parseCount(raw.runs, "--runs")
  const compare = raw.compare ? checkLibrary(raw.compare, "--compare") : null
  const lib = checkLibrary(raw.lib, "--lib")
  if (compare === lib)
    throw new UsageError(`--compare ${compare}: ${lib} is measured anyway; compare another library`)
  if (endpoint && (compare || runs > 1))
    throw new UsageError(
      "--compare and --runs need both sides in this process: drop --bind/--connect",
    )
  if (raw.chart && role === "server")
    throw new UsageError("the lat server only echoes: give --chart to the client side")
  if (raw.chart !== undefined && !raw.chart.endsWith(".svg"))
    throw new UsageError(`bad --chart '${raw.chart}': the chart is an SVG file, name it *.svg`)
  // Found out now rather than after a long run.
  if (raw.chart !== undefined && !existsSync(dirname(raw.chart)))
    throw new UsageError(`bad --chart '${raw.chart}': no directory ${dirname(raw.chart)}`)
  const pattern = raw.pattern ?? "req"
  if (pattern !== "req" && pattern !== "dealer")
    throw new UsageError(`bad --pattern '${pattern}': req or dealer`)

  return {
    mode,
    transport: transport ?? "tcp",
    role,
    endpoint,
    bind: raw.bind !== undefined,
    size: parseSize(raw.size),
    count,
    durationMs,
    countGiven: raw.count !== undefined,
    ioThreads: parseCount(raw.ioThreads, "--io-threads", 0),
    runs,
    lib,
    compare,
    pattern,
    warmup: parseCount(raw.warmup ?? "0", "--warmup", 0),
    json: raw.json ?? false,
    chart: raw.chart ?? null,
    bins: parseCount(raw.bins ?? (mode === "lat" ? "40" : "50"), "--bins"),
    // Forced on or off by --progress/--no-progress; else only where someone watches.
    progress: raw.progress ?? process.stderr.isTTY === true,
  }
}
