/**
 * Wake-ups of a side that lives on this thread (a ring whose reader and writer are both here,
 * an inproc pipe between two sockets of this thread): the waker schedules the sleeper itself,
 * which costs less than an Atomics.waitAsync round.
 */
/**
 * Same-thread wake-ups run as microtasks (cheapest: a promise reaction, ~110 B of garbage where
 * Node's queueMicrotask wraps each callback in an AsyncResource, ~260 B), but at most
 * MICROTASK_WAKES of them before the event loop has turned: a send loop whose every step wakes
 * the other side would otherwise never yield, and the thread's network I/O would starve. Past
 * that, wake-ups go through setImmediate until the loop has turned once. The count is not reset
 * at every turn (a setImmediate per turn was most of the garbage of a REQ/REP round trip), only
 * once it runs out.
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
  if (++wakesInARow <= MICROTASK_WAKES) {
    void RESOLVED.then(wake)
    return
  }
  if (!turnScheduled) {
    turnScheduled = true
    setImmediate(turned)
  }
  setImmediate(wake)
}
