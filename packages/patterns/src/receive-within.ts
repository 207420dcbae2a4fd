import type { Clock } from "./clock.js"

export interface ReceiveWithin {
  clock: Clock
  /** Milliseconds to wait before settling with null. */
  timeout: number
  signal: AbortSignal | undefined
  /** Drops the socket (an abort leaves it waiting for a reply nobody wants). */
  drop(): void
  /** Whether a failed receive is still the caller's news (not a socket it already dropped). */
  owns(): boolean
}

/**
 * The next message `receive` gives, or null when `timeout` ms pass first; rejects with the
 * signal's reason when it aborts (dropping the socket). Shared by the Lazy Pirate and MDP/0.2
 * clients, whose sockets are dropped on a timeout: a receive failing on a socket the caller no
 * longer owns settles nothing. Runs on the caller's thread.
 */
export function receiveWithin(
  receive: () => Promise<Buffer[]>,
  { clock, timeout, signal, drop, owns }: ReceiveWithin,
): Promise<Buffer[] | null> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer)
      drop()
      reject(signal!.reason)
    }
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort)
      resolve(null)
    }, timeout)
    signal?.addEventListener("abort", onAbort, { once: true })
    receive().then(
      (frames) => {
        clock.clearTimeout(timer)
        signal?.removeEventListener("abort", onAbort)
        resolve(frames)
      },
      // Closed under it (a timeout, an abort, close()): the outcome is settled elsewhere.
      (err: unknown) => {
        if (owns()) {
          clock.clearTimeout(timer)
          signal?.removeEventListener("abort", onAbort)
          reject(err)
        }
      },
    )
  })
}
