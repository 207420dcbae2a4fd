/**
 * Wake-ups of a side that lives on this thread (a ring whose reader and writer are both here,
 * an inproc pipe between two sockets of this thread): the waker schedules the sleeper itself,
 * which costs less than an Atomics.waitAsync round.
 */
/**
 * Same-thread wake-ups run as microtasks (cheapest: a promise reaction, ~110 B of garbage where
 * Node's queueMicrotask wraps each callback in an AsyncResource, ~260 B), but at most
 * MICROTASK_WAKES of them in a row: a send loop whose every step wakes the other side would
 * otherwise never yield, and the thread's network I/O would starve. Past that, wake-ups go
 * through setImmediate until the event loop has turned once.
 */
const MICROTASK_WAKES = 64
const RESOLVED = Promise.resolve()
let wakesInARow = 0
let turnScheduled = false
const turned = (): void => {
  wakesInARow = 0
  turnScheduled = false
}

export function wakeHere(wake: () => void): void {
  if (!turnScheduled) {
    turnScheduled = true
    setImmediate(turned)
  }
  if (++wakesInARow <= MICROTASK_WAKES) void RESOLVED.then(wake)
  else setImmediate(wake)
}
