import { FrameAssembler } from "../../ring/frame-assembler.js"
import { Inbox } from "../../ring/inbox.js"
import { Lane } from "../../ring/lane.js"
import { takeLent } from "../../ring/lent-frames.js"
import { Outbox } from "../../ring/outbox.js"
import type { ControlFrames, InboxHandler } from "../../ring/record-link.js"
import { type RecordKind, readFrames } from "../../ring/records.js"
import type { RingHandle } from "../../ring/ring-buffer.js"
import { newRing } from "../../ring/ring-sizes.js"
import type { TransferPool } from "../../ring/transfer-pool.js"
import { type HoldTarget, ThreadHold } from "../../util/thread-hold.js"

/**
 * What the two ends of a shared socket's link to one more thread share: a ring each way and a
 * lane (see lane.ts). Made by the socket's thread when another thread attaches.
 */
export interface ThreadLinkShared {
  /** Records from the attached thread to the socket's thread, and back. */
  toOwner: RingHandle
  toThread: RingHandle
  lane: string
}

export function createThreadLinkShared(lane: string): ThreadLinkShared {
  return { toOwner: newRing(), toThread: newRing(), lane }
}

/*
 * The records on a link (records.ts kinds, peer always 0):
 *   thread → owner  Message   a message to send, as the socket type's frames (routing in front)
 *                   Credit    `count` more receive() calls wait on the thread
 *                   Command   a message handed over that the thread gives back (it closed)
 *                   PeerDown  the thread lets go of the socket; again after BYE: all given back
 *   owner → thread  Message   a received message for the oldest of its waiting receive() calls
 *                   Credit    `count` sends were accepted, in order
 *                   Event     the next send failed: frames [code, message]
 *                   Command   SERVER/PEER: routing id `count` is live (flags 1) or gone (0)
 *                   PeerDown  the socket closed or its context was shut down: frames [code];
 *                             [BYE]: the answer to the thread's PeerDown (all given back)
 */

/**
 * One end of a link: its two rings and lane, and whole messages out of either kind of message
 * record (a large one comes frame by frame). Lives on the thread that opened it.
 */
export abstract class LinkEnd implements InboxHandler {
  protected readonly outbox: Outbox
  readonly #inbox: Inbox
  readonly #lane: Lane
  readonly #assembly = new FrameAssembler()
  #ended = false

  constructor(
    out: RingHandle,
    into: RingHandle,
    lane: string,
    pool: TransferPool,
    keepAlive: HoldTarget,
  ) {
    this.#lane = new Lane(lane)
    this.#lane.unref() // a socket's hold on its context keeps the thread alive, not the link
    this.outbox = new Outbox(out, this.#lane, true, pool, true)
    // Records waiting for room in the ring live in this thread's memory: hold it meanwhile.
    const hold = new ThreadHold(() => keepAlive)
    this.outbox.onBacklog = (waiting) => hold.set(waiting)
    this.#inbox = new Inbox(into, this.#lane, this, pool, true)
  }

  protected start(): void {
    this.#inbox.start()
  }

  /** A whole message arrived (its frames are this end's to keep). */
  protected abstract message(frames: Buffer[]): void
  /** Any other record, with its frames. */
  protected abstract control(
    kind: RecordKind,
    count: number,
    frames: Uint8Array[],
    flags: number,
  ): void

  /** Closes the rings and the lane (at once: callers flush first when it matters). */
  protected end(): void {
    if (this.#ended) return
    this.#ended = true
    this.#inbox.close()
    this.outbox.close()
    this.#lane.close()
  }

  // InboxHandler: the inbox calls these (public for it, not for users of a ThreadSocket).
  /** @internal */
  onMessage(_peer: number, bytes: Uint8Array, view: DataView, at: number): void {
    this.message(readFrames(bytes, view, at))
  }

  /** Not used: a link's records come through a ring. @internal */
  onFrames(_peer: number, frames: Uint8Array[]): void {
    this.message(frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)))
  }

  /** @internal */
  onFrameStart(_peer: number, size: number, more: boolean): void {
    const frames = this.#assembly.start(size, more)
    if (frames) this.message(frames)
  }

  /** @internal */
  onChunk(_peer: number, bytes: Uint8Array, owned: boolean): void {
    const frames = this.#assembly.add(bytes, owned)
    if (frames) this.message(takeLent(frames))
  }

  /** @internal */
  onControl(kind: RecordKind, flags: number, _peer: number, count: number, f: ControlFrames): void {
    this.control(kind, count, this.carriesFrames(kind) ? f.read() : [], flags)
  }

  /** Whether records of `kind` coming to this end carry frames (else `count` is a number). */
  protected abstract carriesFrames(kind: RecordKind): boolean

  /** @internal */
  onDrained(): void {}
}
