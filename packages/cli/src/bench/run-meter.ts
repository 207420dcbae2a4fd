// Watches one side of a run as it goes: keeps the timeline of messages done (for the chart),
// says when a --duration is over, and draws the progress bar on stderr when asked to.
//
// The loops call check() only every `every` messages (a power of two), so the clock is read
// about once per MiB for throughput and once per round trip for latency.
import cliProgress from "cli-progress"

export interface MeterOptions {
  /** Shown in front of the bar: "omq thr receive", "zeromq.js lat". */
  label: string
  /** What is counted, for the bar: "msgs", "trips". */
  unit: string
  count: number | null
  durationMs: number | null
  /** Message size, to read the clock about once per MiB moved. */
  size: number
  progress: boolean
}

/** The fewest messages between two clock readings, by size: 1024 at 64 B, 1 at 1 MiB. */
export function checkInterval(size: number): number {
  const perMiB = Math.max(1, Math.floor(1024 ** 2 / Math.max(size, 1)))
  return Math.min(1024, 2 ** Math.floor(Math.log2(perMiB)))
}

/** The smallest gap kept between two timeline points, so a long run stays a few thousand. */
const TIMELINE_GAP_MS = 5

export class RunMeter {
  /** check() is due when `done & mask` is 0. */
  readonly mask: number
  /** (ms since start(), messages done) pairs, flattened; see stats.ts countAt(). */
  readonly timeline: number[] = []
  #start = 0
  #lastPoint = Number.NEGATIVE_INFINITY
  readonly #options: MeterOptions
  #bar: cliProgress.SingleBar | null = null

  constructor(options: MeterOptions, every: number) {
    this.#options = options
    this.mask = every - 1
  }

  /** Starts the clock (and the bar); the timeline's first point is (0, 0). */
  start(): void {
    this.#start = performance.now()
    this.timeline.push(0, 0)
    this.#lastPoint = 0
    if (this.#options.progress) this.#bar = this.#newBar()
  }

  get elapsedMs(): number {
    return performance.now() - this.#start
  }

  /** Notes `done` messages so far; true when the --duration is over. */
  check(done: number): boolean {
    const ms = performance.now() - this.#start
    if (ms - this.#lastPoint >= TIMELINE_GAP_MS) {
      this.timeline.push(ms, done)
      this.#lastPoint = ms
      this.#bar?.update(
        this.#options.count === null ? Math.min(ms, this.#options.durationMs!) : done,
        {
          done,
          rate: formatRate(done / (ms / 1000)),
        },
      )
    }
    return this.#options.durationMs !== null && ms >= this.#options.durationMs
  }

  /** Stops the clock at `done` messages; returns the seconds since start(). */
  finish(done: number): number {
    const ms = performance.now() - this.#start
    this.timeline.push(ms, done)
    this.#bar?.stop()
    this.#bar = null
    return ms / 1000
  }

  #newBar(): cliProgress.SingleBar {
    const { label, unit, count, durationMs } = this.#options
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} [{bar}] {percentage}% | {done} ${unit} | {rate} | ETA {eta_formatted}`,
        barsize: 30,
        clearOnComplete: true,
        // Forced with --progress when stderr is not a terminal: write lines anyway.
        noTTYOutput: true,
        notTTYSchedule: 1000,
      },
      cliProgress.Presets.shades_classic,
    )
    bar.start(count ?? durationMs ?? 0, 0, { done: 0, rate: "-" })
    return bar
  }
}

function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "-"
  return perSecond >= 1e6
    ? `${(perSecond / 1e6).toFixed(2)}M/s`
    : perSecond >= 1e3
      ? `${(perSecond / 1e3).toFixed(1)}k/s`
      : `${perSecond.toFixed(0)}/s`
}
