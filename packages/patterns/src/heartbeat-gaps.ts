/** Gaps measured before a worker's interval is judged: the median of three shrugs off one. */
const GAPS = 3
/**
 * How far a worker's interval may stray from the broker's before it is reported. Timer jitter
 * and a busy event loop stay well inside; at 1.5 × the broker's interval a worker is still safe
 * with the default liveness of 3 (a beat every two ticks), and a worker this much faster still
 * waits 2 of the broker's intervals for it, so it is a warning before the reconnect storm.
 */
const TOLERANCE = 1.5

/**
 * The gaps between one worker's HEARTBEATs, to tell when it beats at an interval other than its
 * broker's or queue's (RFC 7 and 18 both call this a known weakness: the two sides must agree,
 * or they take each other for dead). Other messages do not count: a worker beats on a timer of
 * its own. Used by the Majordomo broker and the Paranoid Pirate queue, on their threads.
 */
export class HeartbeatGaps {
  #last: number | undefined
  #gaps: number[] = []
  #reported = false

  /**
   * Records a HEARTBEAT at `now` (ms). Returns the observed interval the first time it is clearly
   * not `expected`, and null otherwise: a mismatch is told once per worker, not per beat.
   */
  mismatch(now: number, expected: number): number | null {
    // A clock that has not moved (a test's, between two beats) tells nothing about the interval.
    if (this.#last !== undefined && now > this.#last) this.#gaps.push(now - this.#last)
    this.#last = now
    if (this.#gaps.length > GAPS) this.#gaps.shift()
    if (this.#reported || this.#gaps.length < GAPS) return null
    const observed = [...this.#gaps].sort((a, b) => a - b)[GAPS >> 1]!
    if (observed * TOLERANCE >= expected && observed <= expected * TOLERANCE) return null
    this.#reported = true
    return observed
  }
}
