import { ZmqError } from "@omq/transport"
import { FairQueue } from "./fair-queue.js"
import type { Peer } from "./peer.js"
import { SocketBase, type SocketConstructorOptions, type WithProperties } from "./socket-base.js"
import type { Readable } from "./socket-capabilities.js"

/** PULL: fair-queues messages from all its peers. It never sends. */
export class Pull extends SocketBase implements Readable {
  constructor(options?: SocketConstructorOptions, type: "PULL" | "GATHER" = "PULL") {
    super(type, options)
  }

  readonly #fq = new FairQueue()

  protected xsend(): boolean {
    throw new ZmqError("ENOTSUP", "PULL sockets cannot send")
  }

  protected xrecv(): Buffer[] | null {
    return this.takeFrom(this.#fq)?.[1] ?? null
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasMessages
  }

  protected xattach(): boolean {
    return true
  }

  protected xdetach(): void {
    // Messages already received from the peer stay queued and are still delivered.
  }

  protected xmessage(peer: Peer, frames: Buffer[]): void {
    this.enqueue(this.#fq, peer, frames)
  }
}

/** PULL receives (see socket-capabilities.ts). */
export interface Pull {
  receive(): Promise<Buffer[]>
  receiveWithProperties(): Promise<WithProperties<Buffer[]>>
  [Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined>
}
