// Numbers from a bench run: latency percentiles, medians over runs, and the rate over time
// resampled into equal intervals (for the table, the JSON and the chart).

/** Round-trip latency in microseconds, from the sorted samples of one run. */
export interface LatencyPercentiles {
  min: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

/** The q-quantile of ascending samples (nearest rank, as libzmq-style tools report). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil(q * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!
}

export function percentiles(sorted: Float64Array): LatencyPercentiles {
  let sum = 0
  for (const x of sorted) sum += x
  return {
    min: sorted[0] ?? Number.NaN,
    mean: sum / sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  }
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * The median of each numeric field over runs: `{a: 1, b: 2}, {a: 3, b: 1}` → `{a: 2, b: 1.5}`.
 * Nested objects (the percentiles) take the median field by field, so p99 is the median p99.
 */
export function medianFields<T extends object>(runs: readonly T[]): T {
  const first = runs[0] as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(first)) {
    const column = runs.map((run) => (run as Record<string, unknown>)[key])
    if (typeof value === "number") out[key] = median(column as number[])
    else if (value !== null && typeof value === "object" && !ArrayBuffer.isView(value))
      out[key] = medianFields(column as object[])
    else out[key] = value
  }
  return out as T
}

/**
 * A run's progress as (milliseconds since start, messages done) pairs, flattened; the first
 * pair is (0, 0). Interpolates the count at any time between two pairs.
 */
export function countAt(timeline: readonly number[], ms: number): number {
  const pairs = timeline.length / 2
  if (pairs === 0) return 0
  for (let i = 1; i < pairs; i++) {
    const t1 = timeline[2 * i]!
    if (t1 < ms) continue
    const t0 = timeline[2 * i - 2]!
    const c0 = timeline[2 * i - 1]!
    const c1 = timeline[2 * i + 1]!
    return t1 === t0 ? c1 : c0 + ((c1 - c0) * (ms - t0)) / (t1 - t0)
  }
  return timeline[timeline.length - 1]!
}

/** One point of the rate over time: the middle of an interval and its messages per second. */
export interface RatePoint {
  seconds: number
  msgsPerSec: number
}

/** The rate over `bins` equal intervals of the whole timeline. */
export function rateOverTime(timeline: readonly number[], bins: number): RatePoint[] {
  const end = timeline[timeline.length - 2] ?? 0
  const step = end / bins
  const points: RatePoint[] = []
  for (let i = 0; i < bins; i++) {
    const done = countAt(timeline, (i + 1) * step) - countAt(timeline, i * step)
    points.push({
      seconds: ((i + 0.5) * step) / 1000,
      msgsPerSec: step > 0 ? done / (step / 1000) : 0,
    })
  }
  return points
}

/** One bar of a histogram: samples in [from, to) (the last bar includes its upper edge). */
export interface HistogramBin {
  from: number
  to: number
  count: number
}

/**
 * A histogram of ascending samples in `bins` log-spaced bins from min to max: latencies have a
 * long tail, and equal widths would put nearly everything in the first bar.
 */
export function logHistogram(sorted: Float64Array, bins: number): HistogramBin[] {
  const lo = Math.max(sorted[0] ?? 1, 1e-3)
  const hi = Math.max(sorted[sorted.length - 1] ?? lo, lo * 1.001)
  const ratio = (hi / lo) ** (1 / bins)
  const out: HistogramBin[] = []
  for (let i = 0; i < bins; i++)
    out.push({ from: lo * ratio ** i, to: lo * ratio ** (i + 1), count: 0 })
  for (const x of sorted) {
    const i = Math.floor(Math.log(Math.max(x, lo) / lo) / Math.log(ratio))
    out[Math.min(bins - 1, i)]!.count++
  }
  return out
}
