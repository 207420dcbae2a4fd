/**
 * How many send() or receive() calls in a row a socket settles at once before it settles one
 * at the next check phase instead (setImmediate). A loop of awaited calls that never have to
 * wait would otherwise run on promise jobs alone and starve timers and IO. zeromq.js allows 512
 * (max_sync_operations); omq's calls cost less than its native ones, so 512 of them can pass
 * in well under a millisecond and a 1 ms timer would still wait: half as many. The count
 * starts again whenever a call waited.
 */
const MAX_AT_ONCE = 256

const RESOLVED = Promise.resolve()

/** One socket's count of calls settled at once. Lives on the socket's thread. */
export class ResolveBudget {
  #atOnce = 0

  /** A promise of `value`, settled now or, once the budget is spent, at the check phase. */
  resolve<T>(value: T): Promise<T> {
    if (++this.#atOnce < MAX_AT_ONCE) {
      return value === undefined ? (RESOLVED as Promise<T>) : Promise.resolve(value)
    }
    this.#atOnce = 0
    return new Promise((resolve) => setImmediate(resolve, value))
  }

  /** A call had to wait: the event loop ran meanwhile. */
  waited(): void {
    this.#atOnce = 0
  }
}
