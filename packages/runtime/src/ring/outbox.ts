import { copyBytes } from "@omq/transport"
import { copyFrame } from "../util/copy-frame.js"
import { type Lane, LaneKind, TRANSFER_FROM } from "./lane.js"
import { LATER_MS, type RecordSink } from "./record-link.js"
import {
  CHUNK_BYTES,
  FRAME_MORE,
  FRAME_TRANSFERRED,
  RecordKind,
  recordSize,
  writeRecord,
} from "./records.js"
import { type RingHandle, RingWriter } from "./ring-buffer.js"
import type { TransferPool } from "./transfer-pool.js"

type Pending = [
  kind: RecordKind,
  flags: number,
  peer: number,
  count: number,
  frames: readonly Uint8Array[],
]

/**
 * One direction of a channel: an ordered stream of records into a ring.
 *
 * Owned by the producing thread. Records that do not fit wait in a backlog, in order, while a
 * single task waits for space; callers never block. The backlog stays small because the senders
 * above it obey high-water-mark credit.
 *
 * Rings (see newRing) start at FIRST_RING bytes and grow in place up to MAX_RING when a burst
 * needs it: an idle socket holds two small rings, a busy one up to two of MAX_RING.
 *
 * A message whose record would reach LARGE_RECORD goes frame by frame instead: each
 * frame is a LargeFrame record (its size) followed by Chunk records (its bytes), except frames of
 * TRANSFER_FROM bytes or more, whose bytes cross over the lane in shared memory while the
 * LargeFrame record keeps their place in the order. Measured with 1 MiB frames and one IO
 * thread, moving the whole frame was about twice as fast as chunks through the ring.
 */
export class Outbox implements RecordSink {
  readonly #writer: RingWriter
  readonly #lane: Lane
  readonly #pool: TransferPool | null
  readonly #copyOnBacklog: boolean
  readonly #largeFrom: number
  #backlog: Pending[] = []
  #waiting = false
  /** Called once the backlog has gone into the ring (senders held back by canSend may go). */
  onBacklogDrained: (() => void) | null = null
  /**
   * Told when records start waiting in the backlog (true) and when they have all gone into the
   * ring or the ring closed (false): a backlog lives in this thread's memory and dies with it,
   * so whoever owns the channel may hold the thread meanwhile.
   */
  onBacklog: ((waiting: boolean) => void) | null = null
  #flushWaiters: (() => void)[] = []
  /**
   * Wake the reader once at the end of the current task (a microtask), not at the record that
   * finds it asleep: set on an IO thread's side. A connection's handshake pushes PeerUp, then
   * writes to the kernel, then returns credit; woken at the first, the socket's thread competes
   * for the CPU with the rest (on 2 vCPUs it often runs on this one, and the write waits) and
   * may sleep again before the credit, which then wakes it a second time.
   */
  wakeAtTaskEnd = false
  #wakeQueued = false
  /** Wakes the reader for records pushLater() left quiet (made at the first; see there). */
  #later: NodeJS.Timeout | null = null
  #laterArmed = false

  /**
   * @param copyOnBacklog whether frames that must wait in the backlog are copied: true on the
   * socket side, where the caller may reuse a buffer as soon as send() resolves.
   * @param ringUntilLaneOpens large frames go through the ring until the other end has opened
   * the lane (an inproc connect's pipe, whose messages must outlive its thread: a lane item held
   * here would die with it, a record in shared memory does not).
   */
  constructor(
    ring: RingHandle,
    lane: Lane,
    copyOnBacklog: boolean,
    pool: TransferPool | null,
    ringUntilLaneOpens = false,
  ) {
    this.#writer = new RingWriter(ring)
    this.#lane = lane
    this.#pool = pool
    this.#copyOnBacklog = copyOnBacklog
    this.#ringUntilLaneOpens = ringUntilLaneOpens
    this.#largeFrom = LARGE_RECORD
    // A lazy lane asks its other end to open through this ring, in order before the records
    // that need the lane (see lane.ts).
    lane.askOther = () => this.push(RecordKind.LaneOpen, 0, 0)
  }

  readonly #ringUntilLaneOpens: boolean

  /** Queues a record. Never throws for lack of space. */
  push(
    kind: RecordKind,
    peer: number,
    count: number,
    frames: readonly Uint8Array[] = EMPTY,
    flags = 0,
  ): void {
    this.#push(kind, peer, count, frames, flags, this.#copyOnBacklog)
  }

  #push(
    kind: RecordKind,
    peer: number,
    count: number,
    frames: readonly Uint8Array[],
    flags: number,
    copy: boolean,
  ): void {
    const defer = this.wakeAtTaskEnd
    if (this.#backlog.length > 0 || !this.#tryWrite(kind, flags, peer, count, frames, defer)) {
      // A copy: Buffer#slice would alias.
      this.#backlog.push([kind, flags, peer, count, copy ? frames.map(copyFrame) : frames])
      if (!this.#waiting) void this.#drainBacklog()
      return
    }
    if (defer && !this.#wakeQueued) {
      this.#wakeQueued = true
      void RESOLVED.then(this.#wakeAtEnd)
    }
  }

  readonly #wakeAtEnd = (): void => {
    this.#wakeQueued = false
    this.#writer.wake()
  }

  /**
   * Queues a record without waking a reader that sleeps (see RecordSink.pushLater): the next
   * record that wakes it carries this one, or a timer does LATER_MS after at the latest. One
   * timer per outbox, re-armed (not made) per quiet burst; unref'd, as it only hurries records.
   */
  pushLater(kind: RecordKind, peer: number, count: number, frames: readonly Uint8Array[]): void {
    if (this.#backlog.length > 0 || !this.#tryWrite(kind, 0, peer, count, frames, true)) {
      this.push(kind, peer, count, frames) // waits for room: its drain wakes the reader
      return
    }
    if (this.#laterArmed) return
    this.#laterArmed = true
    if (this.#later) this.#later.refresh()
    else this.#later = setTimeout(this.#wakeLater, LATER_MS).unref()
  }

  hurry(): void {
    this.#writer.wake()
  }

  readonly #wakeLater = (): void => {
    this.#laterArmed = false
    this.#writer.wake()
  }

  /** Sends a whole message, frame by frame when it is large (see the class comment). */
  pushMessage(peer: number, frames: readonly Uint8Array[]): void {
    if (recordSize(frames) < this.#largeFrom) {
      this.push(RecordKind.Message, peer, frames.length, frames)
      return
    }
    const last = frames.length - 1
    const lane = !this.#ringUntilLaneOpens || this.#lane.open
    frames.forEach((f, i) => {
      if (lane && f.byteLength >= TRANSFER_FROM) {
        this.pushTransferred(peer, f, i < last, false)
        return
      }
      this.pushFrameStart(peer, f.byteLength, i < last)
      this.pushChunks(peer, f)
    })
  }

  /**
   * Sends one frame of a large message over the lane. `owned` says the frame lies at the start
   * of shared memory that the caller gives up; otherwise it is copied once first.
   */
  pushTransferred(peer: number, frame: Uint8Array, more: boolean, owned: boolean): void {
    const size = frame.byteLength
    const shared = owned && frame.byteOffset === 0 && frame.buffer instanceof SharedArrayBuffer
    const body = shared ? frame : this.#copyOf(frame)
    this.#lane.post([LaneKind.Frame, body.buffer as SharedArrayBuffer, size])
    const flags = (more ? FRAME_MORE : 0) | FRAME_TRANSFERRED
    this.push(RecordKind.LargeFrame, peer, size, EMPTY, flags)
  }

  /** The record of a large frame whose bytes the caller sends another way (see deliverToLane). */
  pushFrameSentElsewhere(peer: number, size: number, more: boolean): void {
    this.push(RecordKind.LargeFrame, peer, size, EMPTY, (more ? FRAME_MORE : 0) | FRAME_TRANSFERRED)
  }

  /** Starts one frame of a streamed message; its bytes follow through pushChunks. */
  pushFrameStart(peer: number, size: number, more: boolean): void {
    this.push(RecordKind.LargeFrame, peer, size, EMPTY, more ? FRAME_MORE : 0)
  }

  /**
   * Streams bytes of the current frame, in records of at most a quarter of the ring. The bytes
   * may be a view of a read buffer that is reused after the call: copied if they must wait.
   */
  pushChunks(peer: number, bytes: Uint8Array): void {
    const step = this.#largeFrom - CHUNK_BYTES
    for (let at = 0; at < bytes.byteLength; at += step) {
      this.#push(RecordKind.Chunk, peer, 0, [bytes.subarray(at, at + step)], 0, true)
    }
  }

  /** Records at least this large are streamed (see pushMessage). */
  get streamFrom(): number {
    return this.#largeFrom
  }

  close(): void {
    this.#backlog = []
    if (this.#later) clearTimeout(this.#later)
    this.#writer.close()
    this.#settleFlushed()
  }

  /** Resolves once every record is in the ring (or the ring closed). */
  flushed(): Promise<void> {
    if (this.#backlog.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.#flushWaiters.push(resolve))
  }

  #settleFlushed(): void {
    for (const resolve of this.#flushWaiters.splice(0)) resolve()
  }

  /**
   * Whether a message may go now: not while records wait in the backlog (the ring is full, so
   * the other side is behind; without this a sender that nothing else limits, such as a
   * conflating one, would grow the backlog without bound).
   */
  canSend(): boolean {
    return this.#backlog.length === 0
  }

  /** A copy in shared memory, pooled when a pool is given. */
  #copyOf(frame: Uint8Array): Uint8Array {
    const copy = this.#pool
      ? this.#pool.take(frame.byteLength)
      : new Uint8Array(new SharedArrayBuffer(frame.byteLength))
    copyBytes(copy, frame)
    return copy
  }

  #tryWrite(
    kind: RecordKind,
    flags: number,
    peer: number,
    count: number,
    frames: readonly Uint8Array[],
    quiet = false,
  ): boolean {
    const w = this.#writer
    const size = recordSize(frames)
    const at = w.reserve(size)
    if (at < 0) return false
    writeRecord(w.bytes, w.view, at, size, kind, flags, peer, count, frames)
    w.commit(size, quiet)
    return true
  }

  async #drainBacklog(): Promise<void> {
    this.#waiting = true
    this.onBacklog?.(true)
    while (this.#backlog.length > 0 && !this.#writer.closed) {
      await this.#writer.waitForSpace(recordSize(this.#backlog[0]![4]))
      let i = 0
      for (; i < this.#backlog.length; i++) {
        const [kind, flags, peer, count, frames] = this.#backlog[i]!
        if (!this.#tryWrite(kind, flags, peer, count, frames)) break
      }
      this.#backlog.splice(0, i)
    }
    this.#waiting = false
    this.onBacklog?.(false)
    this.#settleFlushed() // drained, or the ring closed
    if (this.#backlog.length === 0) this.onBacklogDrained?.()
  }
}

const EMPTY: readonly Uint8Array[] = []
/** A promise reaction is the cheapest microtask (see wake-here.ts). */
const RESOLVED: Promise<void> = Promise.resolve()

/**
 * Records from this size go frame by frame (see Outbox). Not a quarter of MAX_RING: frames of
 * 256 KiB through the ring as records ran at half the rate of the lane.
 */
const LARGE_RECORD = 128 * 1024
