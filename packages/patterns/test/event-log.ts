import { subscribe, unsubscribe } from "node:diagnostics_channel"

/**
 * Records what a pattern publishes on its diagnostics channel, so a test waits on the event it
 * means (a worker registered, a failover) instead of on time. start() in beforeEach, stop() in
 * afterEach; next() resolves with the first matching event published after it is called.
 */
export class EventLog<E extends { type: string }> {
  readonly events: E[] = []
  #waiters: Array<{ want: (e: E) => boolean; resolve: (e: E) => void }> = []
  readonly #onEvent = (event: unknown): void => {
    const e = event as E
    this.events.push(e)
    const waiting = this.#waiters
    this.#waiters = []
    for (const w of waiting) {
      if (w.want(e))
        w.resolve(e) // each predicate runs once per event
      else this.#waiters.push(w)
    }
  }

  constructor(readonly channel: string) {}

  start(): void {
    this.events.length = 0
    this.#waiters = []
    subscribe(this.channel, this.#onEvent)
  }

  stop(): void {
    unsubscribe(this.channel, this.#onEvent)
  }

  /** The next event matching `want` (a predicate, or an event type). */
  next(want: E["type"] | ((e: E) => boolean)): Promise<E> {
    const test = typeof want === "function" ? want : (e: E) => e.type === want
    return new Promise((resolve) => this.#waiters.push({ want: test, resolve }))
  }

  /** Resolves once `count` events matching `want` have been recorded since start(), past ones included. */
  async atLeast(count: number, want: E["type"] | ((e: E) => boolean)): Promise<void> {
    const test = typeof want === "function" ? want : (e: E) => e.type === want
    while (this.events.filter(test).length < count) await this.next(test)
  }

  /** The events recorded so far of `type`. */
  ofType<T extends E["type"]>(type: T): Array<Extract<E, { type: T }>> {
    return this.events.filter((e) => e.type === type) as Array<Extract<E, { type: T }>>
  }
}
