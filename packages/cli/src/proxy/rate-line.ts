// The proxy's live line on stderr: messages and bytes per second in each direction, measured
// over the last interval from the Proxy's counters. Drawn by cli-progress: redrawn in place on
// a terminal, one line per interval otherwise (--stats into a file or pipe).
import { SingleBar } from "cli-progress"
import type { ProxyStats } from "omq"

const FORMAT =
  "front→back {f2bMessages} msg/s {f2bBytes}/s ({f2bTotal} in all)" +
  " | back→front {b2fMessages} msg/s {b2fBytes}/s ({b2fTotal} in all)"

export class RateLine {
  readonly #bar: SingleBar
  readonly #stats: ProxyStats
  readonly #timer: NodeJS.Timeout
  #last: { f2b: [number, number]; b2f: [number, number]; at: number }

  constructor(stats: ProxyStats, intervalMs: number) {
    this.#stats = stats
    this.#last = this.#snapshot()
    const tty = process.stderr.isTTY === true
    this.#bar = new SingleBar({
      format: FORMAT,
      stream: process.stderr,
      noTTYOutput: !tty,
      notTTYSchedule: intervalMs,
      hideCursor: false,
      gracefulExit: false,
      linewrap: true,
    })
    this.#bar.start(0, 0, this.#payload())
    this.#timer = setInterval(() => this.#bar.update(0, this.#payload()), intervalMs)
  }

  /** Draws the line a last time and leaves it on the screen. */
  stop(): void {
    clearInterval(this.#timer)
    this.#bar.update(0, this.#payload())
    this.#bar.stop()
  }

  #snapshot() {
    const { frontToBack: f, backToFront: b } = this.#stats
    return {
      f2b: [f.messages, f.bytes] as [number, number],
      b2f: [b.messages, b.bytes] as [number, number],
      at: performance.now(),
    }
  }

  #payload(): Record<string, string> {
    const now = this.#snapshot()
    const seconds = Math.max((now.at - this.#last.at) / 1000, 0.001)
    const rate = (a: number, b: number) => (a - b) / seconds
    const payload = {
      f2bMessages: count(rate(now.f2b[0], this.#last.f2b[0])),
      f2bBytes: bytes(rate(now.f2b[1], this.#last.f2b[1])),
      b2fMessages: count(rate(now.b2f[0], this.#last.b2f[0])),
      b2fBytes: bytes(rate(now.b2f[1], this.#last.b2f[1])),
      f2bTotal: String(now.f2b[0]),
      b2fTotal: String(now.b2f[0]),
    }
    this.#last = now
    return payload
  }
}

function count(perSecond: number): string {
  return perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(1)}k` : perSecond.toFixed(0)
}

function bytes(perSecond: number): string {
  const units = ["B", "kB", "MB", "GB"]
  let value = perSecond
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}
