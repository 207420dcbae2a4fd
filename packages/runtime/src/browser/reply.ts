import { ZmqError } from "@omq/transport/zmtp"
import type { Receiving, Sending } from "../socket/message-calls.js"
import type { Message } from "./frames.js"
import type { Pipe } from "./pipe.js"
import { SocketBase } from "./socket-base.js"
import type { SocketConstructorOptions } from "./socket-options.js"

/**
 * REP: fair-queues requests. Each request's envelope (every frame up to and including the
 * empty delimiter) is kept and put back in front of the reply, which goes to the requester
 * only; a reply whose requester has gone, or is at its high-water mark, is dropped. Requests
 * without a delimiter are dropped. A call out of turn fails with EFSM.
 */
export class Reply extends SocketBase implements Receiving<Uint8Array[]>, Sending<Message> {
  /** Where the owed reply goes; null when the next call must be a receive. */
  #pending: { pipe: Pipe; envelope: Uint8Array[] } | null = null
  /** A receive() waits: the reply it will owe is not owed yet, but a second one is refused. */
  #receiving = false

  constructor(options?: SocketConstructorOptions) {
    super("REP", options)
  }

  protected override xrecv(): Uint8Array[] | null {
    for (let next = this.fq.pop(); next; next = this.fq.pop()) {
      const [pipe, frames] = next
      const bottom = frames.findIndex((frame) => frame.byteLength === 0)
      if (bottom < 0) continue // malformed: no delimiter
      this.#pending = { pipe, envelope: frames.slice(0, bottom + 1) }
      return frames.slice(bottom + 1)
    }
    return null
  }

  /** Never waits: the reply goes to its requester now, or is dropped. */
  protected xsend(frames: Uint8Array[]): boolean {
    const pending = this.#pending
    if (!pending) throw new ZmqError("EFSM", "REP must receive a request before replying")
    this.#pending = null
    const { pipe, envelope } = pending
    if (!pipe.stopped && !pipe.full) pipe.write([...envelope, ...frames])
    return true
  }

  override receive(): Promise<Uint8Array[]> {
    if (this.#pending || this.#receiving) {
      return Promise.reject(new ZmqError("EFSM", "REP must reply before receiving again"))
    }
    this.#receiving = true
    const received = super.receive()
    void received.then(
      () => (this.#receiving = false),
      () => (this.#receiving = false),
    )
    return received
  }

  protected override xhasIn(): boolean {
    return this.#pending === null && this.fq.hasMessages
  }

  protected override xhasOut(): boolean {
    return this.#pending !== null
  }
}

/** REP sends and receives: receive() is above. */
export interface Reply {
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array[], void, undefined>
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
