import type { Pipe } from "./pipe.js"

/**
 * Fair queueing over the pipes that have messages waiting, like libzmq's fq_t: one message
 * from each ready pipe in turn; each pipe's messages keep their order.
 */
export class FairQueue {
  #ready: Pipe[] = []
  #next = 0

  push(pipe: Pipe, frames: Uint8Array[]): void {
    if (pipe.inbound.length === 0) this.#ready.push(pipe)
    pipe.inbound.push(frames)
  }

  get hasMessages(): boolean {
    return this.#ready.length > 0
  }

  /** Takes the next message in turn, or null when none waits. */
  pop(): [Pipe, Uint8Array[]] | null {
    const ready = this.#ready
    while (ready.length > 0) {
      if (this.#next >= ready.length) this.#next = 0
      const pipe = ready[this.#next]!
      const frames = pipe.inbound.shift()
      if (pipe.inbound.length === 0) ready.splice(this.#next, 1)
      else this.#next++
      if (frames) return [pipe, frames] // none when discard() emptied the pipe
    }
    return null
  }

  /** Drops a departed pipe's waiting messages (libzmq's pipe termination does). */
  discard(pipe: Pipe): void {
    pipe.inbound.drain()
    const i = this.#ready.indexOf(pipe)
    if (i < 0) return
    this.#ready.splice(i, 1)
    if (this.#next > i) this.#next--
  }
}
