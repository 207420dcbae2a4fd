import { FairQueue } from "./fair-queue.js"
import type { Peer } from "./peer.js"
import {
  type Message,
  SocketBase,
  type SocketConstructorOptions,
  type WithProperties,
} from "./socket-base.js"
import type { Readable, Writable } from "./socket-capabilities.js"

/**
 * PAIR: exactly one peer. A second connection is refused (the host drops it) while the first
 * is attached. send() waits while there is no peer or it is at its high-water mark.
 */
export class Pair extends SocketBase implements Readable, Writable {
  constructor(options?: SocketConstructorOptions, type: "PAIR" | "CHANNEL" = "PAIR") {
    super(type, options)
  }

  #peer: Peer | null = null
  readonly #fq = new FairQueue()

  protected xsend(frames: Uint8Array[]): boolean {
    const peer = this.#peer
    if (!peer || peer.full) return false
    this.write(peer, frames)
    return true
  }

  protected xrecv(): Buffer[] | null {
    return this.takeFrom(this.#fq)?.[1] ?? null
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasMessages
  }

  protected override xhasOut(): boolean {
    return this.#peer !== null && !this.#peer.full
  }

  protected xattach(peer: Peer): boolean {
    if (this.#peer) return false
    this.#peer = peer
    return true
  }

  protected xdetach(peer: Peer): void {
    if (this.#peer === peer) this.#peer = null
  }

  protected xmessage(peer: Peer, frames: Buffer[]): void {
    this.enqueue(this.#fq, peer, frames)
  }
}

/** PAIR sends and receives (see socket-capabilities.ts). */
export interface Pair {
  receive(): Promise<Buffer[]>
  receiveWithProperties(): Promise<WithProperties<Buffer[]>>
  [Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined>
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
