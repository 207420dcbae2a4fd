import { ZmqError } from "@omq/transport"
import { FairQueue } from "./fair-queue.js"
import { toFrames } from "./message.js"
import type { Peer } from "./peer.js"
import {
  type Message,
  SocketBase,
  type SocketConstructorOptions,
  type WithProperties,
} from "./socket-base.js"
import type { Readable, Writable } from "./socket-capabilities.js"

/**
 * REP: fair-queues requests. Each request's envelope (every frame up to and including the empty
 * delimiter) is kept and put back in front of the reply, which goes to the requester only; a
 * reply whose requester has gone is dropped. Requests without a delimiter are dropped.
 */
export class Reply extends SocketBase implements Readable, Writable {
  readonly #fq = new FairQueue()
  /** Where the owed reply goes; null when the next call must be a receive. */
  #pending: { peer: Peer; envelope: Buffer[] } | null = null

  constructor(options?: SocketConstructorOptions) {
    super("REP", options)
  }

  protected xrecv(): Buffer[] | null {
    for (let next = this.takeFrom(this.#fq); next; next = this.takeFrom(this.#fq)) {
      const [peer, frames] = next
      const bottom = frames.findIndex((f) => f.length === 0)
      if (bottom < 0) continue // malformed: no delimiter
      this.#pending = { peer, envelope: frames.slice(0, bottom + 1) }
      return frames.slice(bottom + 1)
    }
    return null
  }

  /**
   * The requester of each reply on its way, keyed by the first frame of the envelope that
   * send() puts in front (a Buffer unique to that request), so queued replies keep their target.
   */
  readonly #requesters = new WeakMap<Uint8Array, Peer>()

  protected xsend(frames: Uint8Array[]): boolean {
    const peer = this.#requesters.get(frames[0]!)
    // Like libzmq, a reply to a requester that left or is at its high-water mark is dropped.
    if (peer && !peer.gone && !peer.full) this.write(peer, frames)
    return true
  }

  /** A reply is due only after a request: a send out of turn fails with EFSM. */
  override send(message: Message): Promise<void> {
    try {
      const frames = this.#reply(message)
      this.#pending = null
      return super.send(frames)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** As send(), without waiting (see SocketBase.trySend); EFSM is thrown. */
  override trySend(message: Message): boolean {
    if (!super.trySend(this.#reply(message))) return false // the reply is still owed
    this.#pending = null
    return true
  }

  /** The owed reply's frames (the request's envelope, then the message), routed to its requester. */
  #reply(message: Message): Uint8Array[] {
    const pending = this.#pending
    if (!pending) throw new ZmqError("EFSM", "REP must receive a request before replying")
    const frames: Uint8Array[] = pending.envelope.slice()
    for (const frame of toFrames(message)) frames.push(frame)
    this.#requesters.set(pending.envelope[0]!, pending.peer)
    return frames
  }

  /** One request at a time: a receive while one is pending or a reply is owed fails with EFSM. */
  override receive(): Promise<Buffer[]> {
    if (this.#pending || this.receivesWaiting > 0) {
      return Promise.reject(new ZmqError("EFSM", "REP must reply before receiving again"))
    }
    return super.receive()
  }

  protected override xhasIn(): boolean {
    return this.#pending === null && this.#fq.hasMessages
  }

  protected override xhasOut(): boolean {
    return this.#pending !== null
  }

  protected xattach(): boolean {
    return true
  }

  protected xdetach(): void {}

  protected xmessage(peer: Peer, frames: Buffer[]): void {
    this.#fq.push(peer, frames)
  }
}

/** REP sends and receives: send(), trySend() and receive() are above (see socket-capabilities.ts). */
export interface Reply {
  receiveWithProperties(): Promise<WithProperties>
  [Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined>
}
