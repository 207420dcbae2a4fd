/** What a hold refs: a thread's context mailbox (its ref count keeps the event loop alive). */
export interface HoldTarget {
  ref(): void
  unref(): void
}

/**
 * One reason to keep a thread's event loop alive, switched on and off as that reason comes and
 * goes (a waiting call, messages in flight, a closing socket, a listener). Sockets hold their
 * thread only while they have work: an idle or forgotten socket lets the process exit.
 *
 * Owned by one object on one thread.
 */
export class ThreadHold {
  readonly #target: () => HoldTarget
  #on = false

  /** @param target where the hold goes, looked up at the first hold. */
  constructor(target: () => HoldTarget) {
    this.#target = target
  }

  set(on: boolean): void {
    if (on === this.#on) return
    this.#on = on
    if (on) this.#target().ref()
    else this.#target().unref()
  }
}
