import type { Clock } from "../src/clock.js"

/**
 * A clock the test advances: timers fire only when it says, never by themselves. fireAll()
 * fires every pending timer at once; advance(ms) moves a virtual time on and fires the timers
 * due by then, in due order, for patterns whose timers of different lengths must not all fire.
 */
export class ManualClock implements Clock {
  #next = 1
  #now = 0
  readonly #timers = new Map<number, { callback: () => void; due: number }>()
  #armed: (() => void) | null = null
  #set: Array<{ ms: number; resolve: () => void }> = []

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++
    this.#timers.set(id, { callback, due: this.#now + ms })
    this.#armed?.()
    const matched = this.#set.filter((w) => w.ms === ms)
    this.#set = this.#set.filter((w) => w.ms !== ms)
    for (const w of matched) w.resolve()
    return id
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }

  /** The virtual time: moved by advance(), never by fireAll(). */
  now(): number {
    return this.#now
  }

  get pending(): number {
    return this.#timers.size
  }

  /** Resolves once a timer is pending (at once if one is). */
  untilArmed(): Promise<void> {
    if (this.#timers.size > 0) return Promise.resolve()
    return new Promise((resolve) => {
      this.#armed = () => {
        this.#armed = null
        resolve()
      }
    })
  }

  /** Resolves at the next setTimeout of exactly `ms` (a sign of what the pattern just did). */
  untilTimer(ms: number): Promise<void> {
    return new Promise((resolve) => this.#set.push({ ms, resolve }))
  }

  /** Fires every pending timer, as if their time had come. */
  fireAll(): void {
    const due = [...this.#timers.values()]
    this.#timers.clear()
    for (const { callback } of due) callback()
  }

  /** Moves time on by `ms`, firing each timer due by then (and any they set that is due too). */
  advance(ms: number): void {
    const until = this.#now + ms
    for (;;) {
      let next: [number, { callback: () => void; due: number }] | null = null
      for (const entry of this.#timers) {
        if (entry[1].due <= until && (!next || entry[1].due < next[1].due)) next = entry
      }
      if (!next) break
      this.#timers.delete(next[0])
      this.#now = next[1].due
      next[1].callback()
    }
    this.#now = until
  }
}
