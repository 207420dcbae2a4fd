/**
 * The timers a pattern waits on. Real time by default; tests pass a clock they advance by hand,
 * so a 2.5 s timeout costs them nothing and happens exactly when they say.
 */
export interface Clock {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const realClock: Clock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
