// What `omq bench` prints at the end: a table (cli-table3) for people, or with --json one
// object for scripts. With --compare, a last row (and the JSON's `ratio`) gives omq / zeromq.js
// per figure, from the medians: above 1 is better for rates, below 1 for latencies.
import Table from "cli-table3"
import { LIBRARY_LABEL } from "./library.js"
import type { BenchOptions } from "./options.js"
import type { BenchResult, Figures } from "./run.js"
import type { LatencyPercentiles } from "./stats.js"

interface Column {
  header: string
  value: (figures: Figures) => number | null | undefined
  format: (value: number) => string
  /** Whether the ratio row shows this column. */
  ratio?: boolean
}

const count = (n: number) => Math.round(n).toLocaleString("en-US")
const fixed = (digits: number) => (n: number) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
const seconds = (n: number) => `${fixed(3)(n)} s`

/** 64 → "64 B", 65536 → "64 KiB", 1048576 → "1 MiB" (as --size takes them). */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`
  return `${bytes} B`
}

const field = (key: string) => (f: Figures) => f[key] as number | null | undefined
const latency = (key: keyof LatencyPercentiles) => (f: Figures) =>
  (f.latencyUs as LatencyPercentiles | undefined)?.[key]

const RATES: Column[] = [
  { header: "msg/s", value: field("msgsPerSec"), format: count, ratio: true },
  { header: "MB/s", value: field("mbPerSec"), format: fixed(1), ratio: true },
  { header: "time", value: field("seconds"), format: seconds },
]

const LATENCIES: Column[] = [
  { header: "trips", value: field("roundTrips"), format: count },
  { header: "trips/s", value: field("msgsPerSec"), format: count, ratio: true },
  ...(
    [
      ["p50", "p50"],
      ["p90", "p90"],
      ["p99", "p99"],
      ["p99.9", "p999"],
      ["max", "max"],
    ] as const
  ).map(([header, key]) => ({
    header: `${header} µs`,
    value: latency(key),
    format: fixed(1),
    ratio: true,
  })),
]

/** The columns for what this process measured. */
function columns(options: BenchOptions): Column[] {
  const number = (header: string, key: string): Column => ({
    header,
    value: field(key),
    format: count,
  })
  switch (options.role) {
    case "both":
      return options.mode === "thr"
        ? [number("sent", "sent"), number("received", "received"), ...RATES]
        : LATENCIES
    case "send":
      return [number("sent", "sent"), ...RATES]
    case "receive":
      return [number("received", "received"), number("sender sent", "sentBySender"), ...RATES]
    case "client":
      return LATENCIES
    case "server":
      return [
        number("trips echoed", "roundTrips"),
        number("client made", "reportedByClient"),
        { header: "time", value: field("seconds"), format: seconds },
      ]
  }
}

/** One line over the table: what ran. */
export function describe(result: BenchResult): string {
  const o = result.options
  const sockets =
    o.mode === "thr" ? "PUSH → PULL" : o.pattern === "dealer" ? "DEALER ↔ ROUTER" : "REQ ↔ REP"
  const amount =
    o.count !== null
      ? `${count(o.count)} ${o.mode === "thr" ? "msgs" : "round trips"}`
      : `${o.durationMs! / 1000} s`
  const where =
    o.role === "both"
      ? `over ${o.transport}`
      : `${o.role} side, ${o.bind ? "bound to" : "connected to"} ${result.boundEndpoint ?? o.endpoint}`
  const runs = o.runs > 1 ? `, median of ${o.runs} runs` : ""
  const size =
    o.role === "receive" || o.role === "server" ? "" : `${formatSize(o.size)}, ${amount}, `
  return `omq bench ${o.mode}: ${sockets} ${where}, ${size}io-threads ${o.ioThreads}${runs}`
}

/** The ratio omq / other of each ratio column, from the medians; null without --compare. */
function ratios(result: BenchResult, cols: Column[]): Map<Column, number> | null {
  const [mine, other] = result.results
  if (!mine || !other) return null
  const out = new Map<Column, number>()
  for (const col of cols) {
    const a = col.value(mine.median)
    const b = col.value(other.median)
    if (col.ratio && typeof a === "number" && typeof b === "number" && b !== 0) out.set(col, a / b)
  }
  return out
}

export function renderTable(result: BenchResult): string {
  const cols = columns(result.options)
  const table = new Table({
    head: ["", ...cols.map((c) => c.header)],
    colAligns: ["left", ...cols.map(() => "right" as const)],
    style: { head: [], border: [] },
  })
  for (const { library, median } of result.results)
    table.push([
      LIBRARY_LABEL[library],
      ...cols.map((c) => {
        const v = c.value(median)
        return typeof v === "number" ? c.format(v) : "-"
      }),
    ])
  const ratio = ratios(result, cols)
  if (ratio) {
    const [mine, other] = result.results.map((r) => LIBRARY_LABEL[r.library])
    table.push([
      `${mine} / ${other}`,
      ...cols.map((c) => (ratio.has(c) ? `${ratio.get(c)!.toFixed(2)}×` : "")),
    ])
  }
  return `${describe(result)}\n${table.toString()}`
}

/** The --json object: the options that shaped the run, each library's figures, the ratios. */
export function toJson(result: BenchResult): Record<string, unknown> {
  const o = result.options
  const json: Record<string, unknown> = {
    mode: o.mode,
    role: o.role,
    transport: o.transport,
    endpoint: result.boundEndpoint ?? o.endpoint,
    size: o.size,
    count: o.count,
    durationMs: o.durationMs,
    ioThreads: o.ioThreads,
    runs: o.runs,
    warmup: o.warmup,
  }
  if (o.mode === "lat") json.pattern = o.pattern
  json.results = Object.fromEntries(
    result.results.map((r) => [r.library, { ...r.median, runs: r.runs }]),
  )
  const [mine, other] = result.results
  if (mine && other) json.ratio = ratioObject(mine.median, other.median)
  return json
}

/** omq / other for each rate and latency figure: `{ msgsPerSec, mbPerSec }` or with `latencyUs`. */
function ratioObject(mine: Figures, other: Figures): Record<string, unknown> {
  const divide = (a: unknown, b: unknown) =>
    typeof a === "number" && typeof b === "number" && b !== 0 ? a / b : null
  const out: Record<string, unknown> = { msgsPerSec: divide(mine.msgsPerSec, other.msgsPerSec) }
  if ("mbPerSec" in mine) out.mbPerSec = divide(mine.mbPerSec, other.mbPerSec)
  const a = mine.latencyUs as LatencyPercentiles | undefined
  const b = other.latencyUs as LatencyPercentiles | undefined
  if (a && b)
    out.latencyUs = Object.fromEntries(
      Object.keys(a).map((k) => [
        k,
        divide(a[k as keyof LatencyPercentiles], b[k as keyof LatencyPercentiles]),
      ]),
    )
  return out
}
