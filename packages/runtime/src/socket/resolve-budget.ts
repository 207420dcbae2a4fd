/**
 * How long a socket goes on settling send() and receive() calls at once before it settles one
 * at the next check phase instead (setImmediate). A loop of awaited calls that never have to
 * wait would otherwise run on promise jobs alone and starve timers and IO.
 *
 * By time, not by count: zeromq.js yields every 512 calls, but omq's calls cost well under a
 * microsecond, and a yield every few hundred of them halved PUSH throughput at 64 B (each turn of
 * the loop also flushes the corked writes, in smaller batches). A slice of 2 ms keeps timers and
 * IO waiting at most about that long, at a cost the benchmarks do not see.
 */
const SLICE_MS = 2
/** The clock is read once per this many calls settled at once. */
const CHECK_EVERY = 64

const RESOLVED = Promise.resolve()

/** One socket's run of calls settled at once. Lives on the socket's thread. */
export class ResolveBudget {
  #atOnce = 0
  #sliceStart = 0

  /** A promise of `value`, settled now or, once the slice is spent, at the check phase. */
  resolve<T>(value: T): Promise<T> {
    if (this.#atOnce++ === 0) this.#sliceStart = performance.now()
    else if (this.#atOnce % CHECK_EVERY === 0 && performance.now() - this.#sliceStart >= SLICE_MS) {
      this.#atOnce = 0
      return new Promise((resolve) => setImmediate(resolve, value))
    }
    return value === undefined ? (RESOLVED as Promise<T>) : Promise.resolve(value)
  }

  /** A call had to wait: the event loop ran meanwhile. */
  waited(): void {
    this.#atOnce = 0
  }
}
