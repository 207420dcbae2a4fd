import { FrameAssembler } from "../ring/frame-assembler.js"
import { Inbox, type InboxHandler } from "../ring/inbox.js"
import { Lane } from "../ring/lane.js"
import { Outbox } from "../ring/outbox.js"
import { RecordKind, readFrames } from "../ring/records.js"
import type { RingHandle } from "../ring/ring-buffer.js"
import { newRing } from "../ring/ring-sizes.js"
import type { TransferPool } from "../ring/transfer-pool.js"
import { wakeHere } from "../ring/wake-here.js"
import { deadlineOf, untilDeadline } from "../util/deadline.js"
import { ThreadHold } from "../util/thread-hold.js"
import type { Peer } from "./peer.js"
import { type PipeLink, type PipeOwner, subscriptionFrame } from "./pipe.js"

/**
 * An inproc pipe end: a PipeLink that serves exactly one peer, which is another socket.
 * `close()` ends the pipe from this side: the other side gets everything sent so far, then
 * pipeDown. Owned by its socket's thread.
 */
export interface InprocPipe extends PipeLink {
  readonly peer: Peer
  /** Starts delivering what the other side sends (once the socket knows the peer). */
  start(): void
  close(linger: number): Promise<void>
  /** The thread of the other side, when it is another thread and known. */
  readonly remoteThread: number | null
  /** The other side's thread died: deliver what it fully sent, then go down. */
  remoteDied(): void
}

/**
 * Both ends of an inproc pipe between two sockets of one thread. Nothing is copied: the
 * sender's frames are the receiver's (a sent buffer must not be changed afterwards, as with
 * libzmq's zero-copy messages). Each end queues what it sends and hands the batch over in one
 * wake-up of the other side (a microtask, see wakeHere), never one per message, and never
 * inside the sender's own call (which would re-enter the socket).
 */
export class DirectPipe implements InprocPipe {
  readonly peer: Peer
  readonly blocked = false
  readonly remoteThread = null
  readonly #owner: PipeOwner
  #other: DirectPipe | null = null
  /** What the other end sent, not yet handed to our owner: messages, or credit counts. */
  #queue: (Buffer[] | number)[] = []
  #scheduled = false
  #down = false

  private constructor(owner: PipeOwner, peer: Peer) {
    this.#owner = owner
    this.peer = peer
  }

  /** Joins two peers (one per socket) with a direct pipe; returns their ends. */
  static join(a: PipeOwner, aPeer: Peer, b: PipeOwner, bPeer: Peer): [DirectPipe, DirectPipe] {
    const ea = new DirectPipe(a, aPeer)
    const eb = new DirectPipe(b, bPeer)
    ea.#other = eb
    eb.#other = ea
    return [ea, eb]
  }

  message(_peer: Peer, frames: readonly Uint8Array[]): void {
    this.#other?.enqueue(frames.map(asBuffer))
  }

  credit(_peer: Peer, count: number): void {
    this.#other?.enqueue(count)
  }

  subscription(peer: Peer, topic: Uint8Array, subscribe: boolean): void {
    peer.outstanding++ // the publisher takes it as a message and returns its credit
    this.#other?.enqueue([subscriptionFrame(topic, subscribe)])
  }

  drop(): void {
    void this.close(0)
  }

  start(): void {}

  async close(_linger = 0): Promise<void> {
    const other = this.#other
    this.#other = null
    this.#queue = []
    if (other) {
      other.#other = null
      other.#down = true // after what is queued for it: it was sent before this
      other.#schedule()
    }
  }

  remoteDied(): void {}

  /** Takes what the other end sent, for our owner at the next wake-up. */
  private enqueue(item: Buffer[] | number): void {
    this.#queue.push(item)
    this.#schedule()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    wakeHere(this.#deliver)
  }

  readonly #deliver = (): void => {
    this.#scheduled = false
    const owner = this.#owner
    const queue = this.#queue
    this.#queue = []
    for (const item of queue) {
      if (typeof item === "number") owner.pipeCredit(this.peer, item)
      else owner.pipeMessage(this.peer, item)
    }
    if (this.#down) {
      this.#down = false
      owner.pipeDown(this.peer)
    }
    owner.pipesDrained()
  }
}

/** What the two ends of a cross-thread pipe share: a ring each way and a lane. */
export interface RingPipeShared {
  /** Records from the connecting socket to the bound one, and back. */
  toBinder: RingHandle
  toConnecter: RingHandle
  lane: string
}

export function createRingPipeShared(lane: string): RingPipeShared {
  return { toBinder: newRing(), toConnecter: newRing(), lane }
}

/**
 * One end of an inproc pipe to a socket on another thread (or, for a connect that came before
 * its bind, on this one): a ring pair of its own (the same records as a host channel, with one
 * pipe), so no IO thread is in the path. Small frames are copied once, into the ring, and out
 * of it into the received message. Large ones go in the sender's pooled shared memory over the
 * lane, and the receiving socket copies them out when the application takes them (see
 * lent-frames.ts): two copies, into memory that was used before, which measured several times
 * faster than one copy into fresh shared memory per frame.
 */
export class RingPipe implements InprocPipe, InboxHandler {
  readonly peer: Peer
  /** Null until the other side answers (a connect's pipe exists before its binder is known). */
  remoteThread: number | null
  readonly #owner: PipeOwner
  readonly #lane: Lane
  readonly #outbox: Outbox
  readonly #inbox: Inbox
  #sent = 0
  #closed = false

  constructor(
    owner: PipeOwner,
    peer: Peer,
    remoteThread: number | null,
    out: RingHandle,
    into: RingHandle,
    lane: string,
    pool: TransferPool,
  ) {
    this.#owner = owner
    this.peer = peer
    this.remoteThread = remoteThread
    this.#lane = new Lane(lane)
    this.#lane.unref() // the socket holds its thread while it has work (WaitingSocket)
    this.#outbox = new Outbox(out, this.#lane, true, pool, true)
    this.#outbox.onBacklogDrained = () => owner.pipesDrained()
    // Records waiting for room in the ring live in this thread's memory: hold it meanwhile.
    const hold = new ThreadHold(() => owner.keepAlive)
    this.#outbox.onBacklog = (waiting) => hold.set(waiting)
    this.#inbox = new Inbox(into, this.#lane, this, pool, true)
  }

  get blocked(): boolean {
    return !this.#outbox.canSend()
  }

  /** Messages were sent into the pipe (what closing waits for before its binder answers). */
  get holdsMessages(): boolean {
    return this.#sent > 0
  }

  start(): void {
    this.#inbox.start()
  }

  message(_peer: Peer, frames: readonly Uint8Array[]): void {
    this.#sent++
    this.#outbox.pushMessage(0, frames)
  }

  credit(_peer: Peer, count: number): void {
    this.#outbox.push(RecordKind.Credit, 0, count)
  }

  subscription(peer: Peer, topic: Uint8Array, subscribe: boolean): void {
    peer.outstanding++
    this.#outbox.push(RecordKind.Message, 0, 1, [subscriptionFrame(topic, subscribe)])
  }

  drop(): void {
    void this.close(0)
  }

  /** Sends PeerDown after what is queued, waits for it to be in the ring (up to linger), ends. */
  async close(linger: number): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#outbox.push(RecordKind.PeerDown, 0, 0)
    if (linger !== 0) await untilDeadline(this.#outbox.flushed(), deadlineOf(linger))
    this.#end()
  }

  /**
   * What the dead side fully sent is still in the rings, and its last lane items (a grown ring,
   * a large frame) may still be on their way: deliver all of it, then go down. A message it was
   * still streaming never arrives.
   */
  remoteDied(): void {
    if (this.#closed) return
    this.#closed = true
    void this.#inbox.settle(LANE_GRACE_MS).then(() => {
      this.peer.assembly = null
      this.#end()
      this.#owner.pipeEvent({ type: "disconnect", address: this.peer.endpoint })
      this.#owner.pipeDown(this.peer)
      this.#owner.pipesDrained()
    })
  }

  #end(): void {
    this.#inbox.close()
    this.#outbox.close()
    this.#lane.close()
  }

  // ---- InboxHandler: records from the other socket -----------------------------------------

  onMessage(_peerId: number, bytes: Uint8Array, view: DataView, at: number): void {
    this.#owner.pipeMessage(this.peer, readFrames(bytes, view, at))
  }

  /** Not used: a RingPipe's records come through a ring. */
  onFrames(_peerId: number, frames: Uint8Array[]): void {
    this.#owner.pipeMessage(this.peer, frames.map(asBuffer))
  }

  onFrameStart(_peerId: number, size: number, more: boolean): void {
    this.peer.assembly ??= new FrameAssembler()
    const frames = this.peer.assembly.start(size, more)
    if (frames) this.#owner.pipeMessage(this.peer, frames)
  }

  onChunk(_peerId: number, bytes: Uint8Array, owned: boolean): void {
    const frames = this.peer.assembly?.add(bytes, owned)
    if (frames) this.#owner.pipeMessage(this.peer, frames)
  }

  onControl(kind: RecordKind, _flags: number, _peerId: number, count: number): void {
    if (kind === RecordKind.Credit) {
      this.#owner.pipeCredit(this.peer, count)
    } else if (kind === RecordKind.PeerDown && !this.#closed) {
      this.#closed = true
      queueMicrotask(() => this.#end()) // not inside our own drain
      this.#owner.pipeDown(this.peer)
    }
  }

  onDrained(): void {
    this.#owner.pipesDrained()
  }
}

/**
 * How long a pipe whose writer died waits for lane items the writer posted before it died.
 * They were queued before the death was known, so they come at once; this only bounds a wait
 * for an item that was never posted (a writer killed between its record and its item).
 */
const LANE_GRACE_MS = 1000

function asBuffer(frame: Uint8Array): Buffer {
  return Buffer.isBuffer(frame)
    ? frame
    : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)
}
