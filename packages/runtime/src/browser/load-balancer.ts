import type { Pipe } from "./pipe.js"

/**
 * Round-robin over the pipes below their high-water mark, like libzmq's lb_t: each message
 * goes to the next pipe in attach order that has room.
 */
export class LoadBalancer {
  readonly #pipes: Pipe[] = []
  #next = 0

  add(pipe: Pipe): void {
    this.#pipes.push(pipe)
  }

  remove(pipe: Pipe): void {
    const i = this.#pipes.indexOf(pipe)
    if (i < 0) return
    this.#pipes.splice(i, 1)
    if (this.#next > i) this.#next--
    if (this.#next >= this.#pipes.length) this.#next = 0
  }

  /** Some pipe has room (pick() would find one). */
  get hasRoom(): boolean {
    return this.#pipes.some((pipe) => !pipe.full)
  }

  /** The next pipe with room, or null when all are full (or there are none). */
  pick(): Pipe | null {
    const pipes = this.#pipes
    const n = pipes.length
    for (let k = 0; k < n; k++) {
      const i = (this.#next + k) % n
      const pipe = pipes[i]!
      if (!pipe.full) {
        this.#next = (i + 1) % n
        return pipe
      }
    }
    return null
  }
}
