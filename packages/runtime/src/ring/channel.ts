import type { MessagePort } from "node:worker_threads"
import { RecordKind, recordSize, writeRecord } from "./records.js"
import { type RingHandle, RingReader, RingWriter } from "./ring-buffer.js"

/**
 * One direction of a channel: an ordered stream of records into a ring.
 *
 * Owned by the producing thread. Records that do not fit wait in a backlog, in order, while a
 * single task waits for space; callers never block. The backlog stays small because the senders
 * above it obey high-water-mark credit. Messages larger than a quarter of the ring go over the
 * MessagePort instead, with a LargeMessage record keeping their place in the order.
 */
export class Outbox {
  readonly #writer: RingWriter
  readonly #port: MessagePort
  readonly #transfer: boolean
  readonly #largeFrom: number
  #backlog: Array<[RecordKind, number, number, number, readonly Uint8Array[]]> = []
  #waiting = false

  /**
   * @param transfer whether large frames may be transferred (detached) rather than copied; only
   * true for buffers this side allocated itself.
   */
  constructor(ring: RingHandle, port: MessagePort, transfer: boolean) {
    this.#writer = new RingWriter(ring)
    this.#port = port
    this.#transfer = transfer
    this.#largeFrom = this.#writer.capacity >>> 2
  }

  /** Queues a record. Never throws for lack of space. */
  push(
    kind: RecordKind,
    peer: number,
    count: number,
    frames: readonly Uint8Array[] = EMPTY,
    flags = 0,
  ): void {
    if (this.#backlog.length > 0 || !this.#tryWrite(kind, flags, peer, count, frames)) {
      // The caller may reuse its buffers once push() returns: keep copies, not references.
      const copies = this.#transfer ? frames : frames.map((f) => f.slice())
      this.#backlog.push([kind, flags, peer, count, copies])
      if (!this.#waiting) void this.#drainBacklog()
    }
  }

  /** Sends a message record (or its large-message stand-in). */
  pushMessage(peer: number, frames: readonly Uint8Array[]): void {
    const size = recordSize(frames)
    if (size < this.#largeFrom) {
      this.push(RecordKind.Message, peer, frames.length, frames)
      return
    }
    this.#postLarge(frames)
    this.push(RecordKind.LargeMessage, peer, frames.length)
  }

  close(): void {
    this.#backlog = []
    this.#writer.close()
  }

  #postLarge(frames: readonly Uint8Array[]): void {
    const list: Uint8Array[] = []
    const transfer: ArrayBuffer[] = []
    for (const f of frames) {
      const whole = f.byteOffset === 0 && f.byteLength === f.buffer.byteLength
      if (this.#transfer && whole && f.buffer instanceof ArrayBuffer) {
        list.push(f)
        transfer.push(f.buffer)
      } else {
        list.push(f)
      }
    }
    this.#port.postMessage(list, transfer)
  }

  #tryWrite(
    kind: RecordKind,
    flags: number,
    peer: number,
    count: number,
    frames: readonly Uint8Array[],
  ): boolean {
    const w = this.#writer
    const size = recordSize(frames)
    const at = w.reserve(size)
    if (at < 0) return false
    writeRecord(w.bytes, w.view, at, size, kind, flags, peer, count, frames)
    w.commit(size)
    return true
  }

  async #drainBacklog(): Promise<void> {
    this.#waiting = true
    while (this.#backlog.length > 0 && !this.#writer.closed) {
      const head = this.#backlog[0]!
      const size = recordSize(head[4])
      await this.#writer.waitForSpace(size)
      let i = 0
      for (; i < this.#backlog.length; i++) {
        const [kind, flags, peer, count, frames] = this.#backlog[i]!
        if (!this.#tryWrite(kind, flags, peer, count, frames)) break
      }
      this.#backlog.splice(0, i)
    }
    this.#waiting = false
  }
}

const EMPTY: readonly Uint8Array[] = []

/** What an Inbox hands its owner, one call per record, in ring order. */
export interface InboxHandler {
  /** A message whose frames are still in the ring at `at` (see records.ts for the layout). */
  onMessage(peer: number, bytes: Uint8Array, view: DataView, at: number): void
  /** A message that came over the port. */
  onLargeMessage(peer: number, frames: Uint8Array[]): void
  /** Any other record; frames (if any) are read with readFrames at `at`. */
  onControl(kind: RecordKind, flags: number, peer: number, count: number, at: number): void
  /** Called after each batch of records, so the owner can flush once per batch. */
  onDrained(): void
}

/**
 * The consuming direction: drains a ring on the owning thread's event loop.
 *
 * It sleeps with Atomics.waitAsync while the ring is empty (a waitAsync does not keep the event
 * loop alive; whoever owns the channel keeps a ref'd handle while it is open). Each wake-up drains
 * every record available, then releases the space in one store.
 */
export class Inbox {
  readonly #reader: RingReader
  readonly #handler: InboxHandler
  readonly #large: Uint8Array[][] = []
  #stalledOnLarge = false
  #closed = false

  constructor(ring: RingHandle, port: MessagePort, handler: InboxHandler) {
    this.#reader = new RingReader(ring)
    this.#handler = handler
    port.on("message", (frames: Uint8Array[]) => {
      this.#large.push(frames)
      if (this.#stalledOnLarge) {
        this.#stalledOnLarge = false
        void this.#run()
      }
    })
  }

  /** Starts draining. Called by the owner once it is fully constructed (a record may wait). */
  start(): void {
    void this.#run()
  }

  close(): void {
    this.#closed = true
    this.#reader.close()
  }

  /** The ring's bytes, for reading the frames of a record handed to onControl. */
  get bytes(): Uint8Array {
    return this.#reader.bytes
  }

  get view(): DataView {
    return this.#reader.view
  }

  get closed(): boolean {
    return this.#closed
  }

  async #run(): Promise<void> {
    const r = this.#reader
    while (!this.#closed) {
      if (!this.drain()) return // stalled on a large message; the port listener resumes us
      await r.waitForData()
      if (r.closed) this.#closed = true
    }
    this.drain()
  }

  /** Handles every record available now. Returns false when stalled waiting for the port. */
  drain(): boolean {
    const r = this.#reader
    const { bytes, view } = r
    const h = this.#handler
    let at = r.next()
    while (at >= 0) {
      const size = view.getUint32(at, true)
      const kind = bytes[at + 4] as RecordKind
      const peer = view.getUint32(at + 8, true)
      if (kind === RecordKind.Message) {
        h.onMessage(peer, bytes, view, at)
      } else if (kind === RecordKind.LargeMessage) {
        const frames = this.#large.shift()
        if (frames === undefined) {
          this.#stalledOnLarge = true
          r.release()
          h.onDrained()
          return false
        }
        h.onLargeMessage(peer, frames)
      } else {
        h.onControl(kind, bytes[at + 5]!, peer, view.getUint32(at + 12, true), at)
      }
      r.advance(size)
      at = r.next()
    }
    r.release()
    h.onDrained()
    return true
  }
}
