/**
 * The timers a pattern waits on. Real time by default; tests pass a clock they advance by hand,
 * so a 2.5 s timeout costs them nothing and happens exactly when they say.
 */
export interface Clock {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  /**
   * Milliseconds on this clock's own scale, for patterns that measure time between events (a
   * worker's heartbeat interval). Optional: a clock without it is read through Date.now().
   */
  now?(): number
}

export const realClock: Clock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => performance.now(), // monotonic: a wall-clock step does not fake a gap
}
