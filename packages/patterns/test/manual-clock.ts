import type { Clock } from "../src/clock.js"

/** A clock the test advances: timers fire only when it says, never by themselves. */
export class ManualClock implements Clock {
  #next = 1
  readonly #timers = new Map<number, () => void>()
  #armed: (() => void) | null = null

  setTimeout(callback: () => void, _ms: number): unknown {
    const id = this.#next++
    this.#timers.set(id, callback)
    this.#armed?.()
    return id
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
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

  /** Fires every pending timer, as if their time had come. */
  fireAll(): void {
    const due = [...this.#timers.values()]
    this.#timers.clear()
    for (const callback of due) callback()
  }
}
