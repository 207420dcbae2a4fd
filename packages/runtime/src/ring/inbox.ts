import { type Lane, type LaneItem, LaneKind } from "./lane.js"
import { lend } from "./lent-frames.js"
import type { ControlFrames, InboxHandler, RecordSource } from "./record-link.js"
import { CHUNK_BYTES, FRAME_MORE, FRAME_TRANSFERRED, RecordKind, readFrames } from "./records.js"
import { type RingHandle, RingReader } from "./ring-buffer.js"
import type { TransferPool } from "./transfer-pool.js"

/**
 * The consuming direction: drains a ring on the owning thread's event loop.
 *
 * It sleeps with Atomics.waitAsync while the ring is empty (a waitAsync does not keep the event
 * loop alive; whoever owns the channel keeps a ref'd handle while it is open). Each wake-up drains
 * every record available, then releases the space in one store.
 */
export class Inbox implements RecordSource {
  readonly #reader: RingReader
  readonly #lane: Lane
  readonly #lendFrames: boolean
  readonly #handler: InboxHandler
  /** Large frames that arrived on the lane, in order. */
  readonly #transferred: Uint8Array[] = []
  /** Draining stopped at a frame that has not come over the lane yet. */
  #stalled = false
  #closed = false

  /**
   * @param pool where memory the other side hands back goes.
   * @param lendFrames large frames are lent (see lent-frames.ts): the socket copies each out
   * when the application takes it and gives the memory back to the writer's pool then (the
   * socket's side); else the handler gives their memory back itself (the host's side, once the
   * kernel has the bytes).
   */
  constructor(
    ring: RingHandle,
    lane: Lane,
    handler: InboxHandler,
    pool: TransferPool | null,
    lendFrames: boolean,
  ) {
    this.#reader = new RingReader(ring)
    this.#lane = lane
    this.#handler = handler
    this.#lendFrames = lendFrames
    lane.onItem((item: LaneItem) => {
      if (item[0] === LaneKind.GiveBack) {
        pool?.put(item[1])
        return
      }
      if (item[0] !== LaneKind.Frame) return
      this.#transferred.push(this.#frameOf(item[1], item[2]))
      if (this.#stalled) {
        this.#stalled = false
        this.#run()
        this.#onUnstalled?.()
      }
    })
  }

  #frameOf(memory: SharedArrayBuffer | ArrayBuffer, size: number): Uint8Array {
    if (this.#lendFrames && memory instanceof SharedArrayBuffer) {
      lend(memory, () => this.#lane.post([LaneKind.GiveBack, memory, 0]))
    }
    return new Uint8Array(memory, 0, size)
  }

  /** Starts draining. Called by the owner once it is fully constructed (a record may wait). */
  start(): void {
    this.#run()
  }

  close(): void {
    this.#closed = true
    this.#reader.close()
  }

  /** Handles whatever records are there now, without waiting for a wake-up. */
  drainNow(): void {
    if (!this.#closed && !this.#stalled) this.#drain()
  }

  /**
   * The writer is gone: handles every record it left, waiting (up to `graceMs`) for lane items
   * it posted that are still on their way, then resolves.
   */
  settle(graceMs: number): Promise<void> {
    this.drainNow()
    if (!this.#stalled) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, graceMs)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.#onUnstalled = () => {
        if (!this.#stalled) {
          this.#onUnstalled = null
          done()
        }
      }
    })
  }

  /** Called after a stall ended and the records behind it were handled (see settle). */
  #onUnstalled: (() => void) | null = null

  /** Where the control record being handled starts (see #controlFrames). */
  #at = 0
  readonly #controlFrames: ControlFrames = {
    read: () => readFrames(this.#reader.bytes, this.#reader.view, this.#at),
  }

  /**
   * Called once the ring has closed (by the writer: it is done, and every record it wrote has
   * been handled) or this inbox was closed. The socket's side of an IO thread's link learns so
   * that the host has finished (see HostChannel.close).
   */
  onEnded: (() => void) | null = null

  /** Drains, then sleeps until more comes; a loop of callbacks, not an async function (garbage). */
  #run(): void {
    while (!this.#closed) {
      if (!this.#drain()) return // stalled: the lane listener resumes
      if (this.#reader.whenData(this.#resume)) return
      if (this.#reader.closed) this.#closed = true
    }
    this.#drain()
    this.#ended()
  }

  readonly #resume = (): void => {
    if (this.#reader.closed) this.#closed = true
    if (!this.#closed) {
      this.#run()
      return
    }
    this.#drain()
    this.#ended()
  }

  #ended(): void {
    const onEnded = this.onEnded
    this.onEnded = null
    onEnded?.()
  }

  /** Handles every record available now; false when stalled on the lane. */
  #drain(): boolean {
    const h = this.#handler
    const r = this.#reader
    let at = r.next()
    while (at >= 0) {
      const { bytes, view } = r // after next(): the writer may have grown them
      const size = view.getUint32(at, true)
      const kind = bytes[at + 4] as RecordKind
      const peer = view.getUint32(at + 8, true)
      try {
        if (kind === RecordKind.Message) {
          h.onMessage(peer, bytes, view, at)
        } else if (kind === RecordKind.Chunk) {
          const from = at + CHUNK_BYTES
          h.onChunk(peer, bytes.subarray(from, from + view.getUint32(from - 4, true)), false)
        } else if (kind === RecordKind.LargeFrame) {
          const flags = bytes[at + 5]!
          const frame = flags & FRAME_TRANSFERRED ? this.#transferred.shift() : undefined
          if (flags & FRAME_TRANSFERRED && !frame) {
            this.#stalled = true
            break
          }
          h.onFrameStart(peer, view.getUint32(at + 12, true), (flags & FRAME_MORE) !== 0)
          if (frame) h.onChunk(peer, frame, true)
        } else if (kind === RecordKind.LaneOpen) {
          this.#lane.openNow()
        } else {
          this.#at = at
          h.onControl(
            kind,
            bytes[at + 5]!,
            peer,
            view.getUint32(at + 12, true),
            this.#controlFrames,
          )
        }
      } catch (err) {
        // A failing handler must not kill the thread (and every other socket on it) through an
        // unhandled rejection, nor stop this ring: report it and go on with the next record.
        process.emitWarning(`omq: a record of kind ${kind} failed: ${String(err)}`)
      }
      r.advance(size)
      at = r.next()
    }
    r.release()
    h.onDrained()
    return !this.#stalled
  }
}

export type { InboxHandler } from "./record-link.js"
