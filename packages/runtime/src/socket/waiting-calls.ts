import { ZmqError } from "@omq/transport/zmtp"
import { Queue } from "../util/queue.js"

interface Call<T, D> {
  data: D
  resolve: (value: T) => void
  reject: (err: Error) => void
  timer: ReturnType<typeof setTimeout> | undefined
}

/**
 * send() or receive() calls waiting their turn, served in call order. Each may time out on its
 * own (EAGAIN), which takes it out of the line.
 */
export class WaitingCalls<T, D = undefined> {
  readonly #queue = new Queue<Call<T, D>>()
  readonly #what: string
  readonly #emptied: () => void

  /**
   * @param what "send" or "receive", for the timeout's message.
   * @param emptied called when the last waiting call leaves the line (settled or timed out).
   */
  constructor(what: string, emptied: () => void = () => {}) {
    this.#what = what
    this.#emptied = emptied
  }

  get length(): number {
    return this.#queue.length
  }

  /** Joins the line; rejects with EAGAIN after `timeout` ms unless that is negative. */
  wait(data: D, timeout: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call: Call<T, D> = { data, resolve, reject, timer: undefined }
      if (timeout >= 0) {
        call.timer = setTimeout(() => {
          this.#remove(call)
          reject(new ZmqError("EAGAIN", `${this.#what} timed out`))
          if (this.#queue.length === 0) this.#emptied()
        }, timeout)
      }
      this.#queue.push(call)
    })
  }

  /** What the oldest call carries (a send's frames). */
  peek(): D | undefined {
    return this.#queue.peek()?.data
  }

  /** Settles the oldest call with a value. */
  resolveNext(value: T): void {
    const call = this.#queue.shift()
    if (!call) return
    clearTimeout(call.timer)
    call.resolve(value)
    if (this.#queue.length === 0) this.#emptied()
  }

  /** Settles the oldest call with an error. */
  rejectNext(err: Error): void {
    const call = this.#queue.shift()
    if (!call) return
    clearTimeout(call.timer)
    call.reject(err)
    if (this.#queue.length === 0) this.#emptied()
  }

  rejectAll(err: Error): void {
    while (this.#queue.length > 0) this.rejectNext(err)
  }

  #remove(call: Call<T, D>): void {
    for (const other of this.#queue.drain()) if (other !== call) this.#queue.push(other)
  }
}
