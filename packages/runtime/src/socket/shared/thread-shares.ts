import { ZmqError } from "@omq/transport"
import { TransferPool } from "../../ring/transfer-pool.js"
import { Queue } from "../../util/queue.js"
import type { HoldTarget } from "../../util/thread-hold.js"
import { createThreadLinkShared, type ThreadLinkShared } from "./link-end.js"
import { ThreadLink, type ThreadLinkOwner } from "./thread-link.js"

/** What a shared socket lends its attached threads. */
export interface SharingSocket {
  /** Sends frames as the socket's own send() would, after its framesToSend. */
  sendFrames(frames: Uint8Array[]): Promise<void>
  /** Takes the next message for another thread, in the form that thread reads, or null. */
  takeForThread(): Buffer[] | null
  /** SERVER/PEER: the routing ids of its peers now. */
  liveRoutingIds(): Iterable<number>
  /** A message given back by a thread, in the form threads read: received again, first. */
  givenBack(frames: Buffer[]): void
  /** Where links hold the socket's thread while they keep messages in its memory. */
  readonly keepAlive: HoldTarget
  /**
   * Whether other threads are attached changed: the socket holds its thread while they are,
   * since any of them may send or receive at any time.
   */
  attachedChanged(): void
}

let lanes = 0

/**
 * The threads attached to one thread-safe socket (see attachShared): their links, and their
 * waiting receive() calls in the order they were made, each served with one message. Owned by
 * the socket, on the socket's thread.
 */
export class ThreadShares implements ThreadLinkOwner {
  readonly #socket: SharingSocket
  readonly #links = new Set<ThreadLink>()
  /** One entry per waiting receive() of an attached thread, oldest first. */
  readonly #wanting = new Queue<ThreadLink>()
  /** Memory for large frames this socket hands to other threads. */
  readonly #pool = new TransferPool()

  constructor(socket: SharingSocket) {
    this.#socket = socket
  }

  /** Some attached thread waits in receive(). */
  get waiting(): boolean {
    return this.#wanting.length > 0
  }

  /** Other threads are attached. */
  get attached(): boolean {
    return this.#links.size > 0
  }

  /** A thread attaches: the rings and lane it opens its end with. */
  attach(thread: number): ThreadLinkShared {
    const shared = createThreadLinkShared(
      `omq:share:${thread}:${process.pid}:${++lanes}:${Date.now()}`,
    )
    const link = new ThreadLink(this, thread, shared, this.#pool, this.#socket.keepAlive)
    for (const id of this.#socket.liveRoutingIds()) link.routingId(id, true)
    this.#links.add(link)
    this.#socket.attachedChanged()
    return shared
  }

  /** Hands waiting threads the messages that are there, one each, oldest call first. */
  serve(): void {
    while (this.#wanting.length > 0) {
      const link = this.#wanting.peek()!
      if (link.closed) {
        this.#wanting.shift()
        continue
      }
      const frames = this.#socket.takeForThread()
      if (!frames) break
      this.#wanting.shift()
      link.deliver(frames)
    }
  }

  /** SERVER/PEER: a routing id came up or went: every attached thread learns it. */
  routingId(id: number, live: boolean): void {
    for (const link of this.#links) link.routingId(id, live)
  }

  /** The socket closed (EAGAIN) or its context was shut down (ETERM): every link ends. */
  closeAll(error: ZmqError): void {
    for (const link of this.#links) link.close(error)
    this.#links.clear()
    this.#wanting.drain()
    this.#socket.attachedChanged()
  }

  threadDied(thread: number): void {
    for (const link of this.#links) {
      if (link.thread !== thread) continue
      link.threadDied()
      this.#links.delete(link)
    }
    this.serve() // drops the dead thread's wants (its link is closed)
    this.#socket.attachedChanged()
  }

  // ---- ThreadLinkOwner ------------------------------------------------------------------------

  sendFromThread(frames: Uint8Array[]): Promise<void> {
    return this.#socket.sendFrames(frames)
  }

  threadWants(link: ThreadLink, count: number): void {
    for (let i = 0; i < count; i++) this.#wanting.push(link)
    this.serve()
  }

  givenBack(frames: Buffer[]): void {
    this.#socket.givenBack(frames)
  }

  threadLeft(link: ThreadLink): void {
    this.#links.delete(link)
    this.serve() // drops the departed thread's wants (its link is closed)
    this.#socket.attachedChanged()
  }
}

/** The error an attached thread's calls get when the socket closes. */
export function socketClosedForThreads(): ZmqError {
  return new ZmqError("EAGAIN", "the shared socket was closed")
}
