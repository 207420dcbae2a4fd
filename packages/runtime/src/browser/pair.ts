import type { Receiving, Sending } from "../socket/message-calls.js"
import type { Message } from "./frames.js"
import type { Pipe } from "./pipe.js"
import { SocketBase } from "./socket-base.js"
import type { SocketConstructorOptions } from "./socket-options.js"

/**
 * PAIR: exactly one peer. A second connect() is refused (its pipe ends), as libzmq refuses a
 * second pipe. send() waits while the peer is at its high-water mark.
 */
export class Pair extends SocketBase implements Receiving<Uint8Array[]>, Sending<Message> {
  #pipe: Pipe | null = null

  constructor(options?: SocketConstructorOptions) {
    super("PAIR", options)
  }

  protected xsend(frames: Uint8Array[]): boolean {
    const pipe = this.#pipe
    if (!pipe || pipe.full) return false
    pipe.write(frames)
    return true
  }

  protected override xhasOut(): boolean {
    return this.#pipe !== null && !this.#pipe.full
  }

  protected override xattach(pipe: Pipe): boolean {
    if (this.#pipe) return false
    this.#pipe = pipe
    return true
  }

  protected override xdetach(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = null
  }
}

/** PAIR sends and receives (see socket/socket-capabilities.ts). */
export interface Pair {
  receive(): Promise<Uint8Array[]>
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array[], void, undefined>
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
