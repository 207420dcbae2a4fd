import type { ControlFrames, InboxHandler, RecordSink, RecordSource } from "./record-link.js"
import { RecordKind } from "./records.js"
import { wakeHere } from "./wake-here.js"

/**
 * One direction of a socket's link to a host on its own thread (`ioThreads: 0`): records as
 * objects, no ring, no lane.
 *
 * - Socket to host (`immediate`): each record is handled inside the socket's call, so the host
 *   copies a message's bytes into its connection's output before send() returns (the caller may
 *   reuse its buffers at once, as with the ring); onDrained, where the host writes to the kernel
 *   once per burst, follows on a later microtask (see wakeHere).
 * - Host to socket: records queue and are handed over in one batch on a later microtask, never
 *   inside the host's call; a message's frames go as they are (the decoder's, not copied).
 *
 * Both ends, and everything here, belong to the one thread.
 */
export class InThreadRecords implements RecordSink, RecordSource, ControlFrames {
  #handler: InboxHandler | null = null
  /**
   * Queued records, five slots each (kind, flags, peer, count, frames): no object per record,
   * and the array is kept between bursts. Slots from #head to #count wait.
   */
  readonly #slots: unknown[] = []
  #head = 0
  #count = 0
  #scheduled = false
  #started = false
  /** A #handle loop is running (see there). */
  #handling = false
  #closed = false
  /** The frames of the control record being handled (see read). */
  #frames: Uint8Array[] = NO_FRAMES
  #flushWaiters: (() => void)[] = []
  onBacklogDrained: (() => void) | null = null
  readonly #immediate: boolean
  /** Immediate records handled since the last onDrained (see canSend). */
  #sinceDrained = 0

  /** @param immediate records are handled inside push() (the socket-to-host direction). */
  constructor(immediate: boolean) {
    this.#immediate = immediate
  }

  /** Messages are never streamed: a frame arrives whole however large it is. */
  readonly streamFrom = Number.POSITIVE_INFINITY

  /** The reader's handler; records wait until start(). */
  handleWith(handler: InboxHandler): void {
    this.#handler = handler
  }

  /** Same-thread wake-ups cost little (a microtask): nothing to save by waiting. */
  pushLater(kind: RecordKind, peer: number, count: number, frames: readonly Uint8Array[]): void {
    this.push(kind, peer, count, frames)
  }

  hurry(): void {}

  push(
    kind: RecordKind,
    peer: number,
    count: number,
    frames: readonly Uint8Array[] = NO_FRAMES,
    flags = 0,
  ): void {
    if (this.#closed) return
    if (this.#immediate && this.#started) {
      this.#sinceDrained++
      if (!this.#handling && this.#head === this.#count) {
        this.#handling = true
        this.#one(kind, flags, peer, count, frames as Uint8Array[])
        this.#handling = false
        this.#handle(false) // records its handler pushed here meanwhile
        this.#schedule()
        return
      }
    }
    const q = this.#slots
    const n = this.#count
    q[n] = kind
    q[n + 1] = flags
    q[n + 2] = peer
    q[n + 3] = count
    q[n + 4] = frames
    this.#count = n + 5
    this.#schedule()
  }

  pushMessage(peer: number, frames: readonly Uint8Array[]): void {
    this.push(RecordKind.Message, peer, frames.length, frames)
  }

  pushFrameStart(): void {
    throw new Error("in-thread records carry whole messages only")
  }

  pushChunks(): void {
    throw new Error("in-thread records carry whole messages only")
  }

  /**
   * False once a burst of immediate records has waited too long for its onDrained: the host has
   * not written to the kernel since, so the sender waits too (a conflating one, which nothing
   * else limits, would otherwise never yield to the event loop).
   */
  canSend(): boolean {
    return this.#sinceDrained < BURST
  }

  flushed(): Promise<void> {
    if (this.#count === this.#head || this.#closed) return Promise.resolve()
    return new Promise((resolve) => this.#flushWaiters.push(resolve))
  }

  start(): void {
    this.#started = true
    this.#schedule()
  }

  drainNow(): void {
    if (this.#started) this.#handle(true)
  }

  close(): void {
    this.#closed = true
    this.#slots.length = 0
    this.#head = this.#count = 0
    this.#settleFlushed()
  }

  read(): Uint8Array[] {
    return this.#frames
  }

  #schedule(): void {
    if (this.#scheduled || !this.#started) return
    this.#scheduled = true
    wakeHere(this.#run)
  }

  readonly #run = (): void => {
    this.#scheduled = false
    this.#handle(true)
  }

  /**
   * Hands every queued record to the handler, also those pushed meanwhile (a record pushed by a
   * handler of this loop waits for it, never runs inside another record's call), then, when
   * `drained`, calls onDrained.
   */
  #handle(drained: boolean): void {
    if (this.#handling || this.#closed) return
    this.#handling = true
    const q = this.#slots
    while (this.#head < this.#count && !this.#closed) {
      const i = this.#head
      this.#head = i + 5
      const frames = q[i + 4] as Uint8Array[]
      q[i + 4] = undefined // not kept alive until overwritten
      this.#one(
        q[i] as RecordKind,
        q[i + 1] as number,
        q[i + 2] as number,
        q[i + 3] as number,
        frames,
      )
    }
    this.#head = this.#count = 0
    this.#handling = false
    this.#settleFlushed()
    if (drained) this.#drained()
  }

  #one(kind: RecordKind, flags: number, peer: number, count: number, frames: Uint8Array[]): void {
    const h = this.#handler!
    try {
      if (kind === RecordKind.Message) {
        h.onFrames(peer, frames)
      } else {
        this.#frames = frames
        h.onControl(kind, flags, peer, count, this)
        this.#frames = NO_FRAMES
      }
    } catch (err) {
      // As the ring's Inbox: one failing record must not stop the others.
      process.emitWarning(`omq: a record of kind ${kind} failed: ${String(err)}`)
    }
  }

  #settleFlushed(): void {
    if (this.#flushWaiters.length > 0) for (const resolve of this.#flushWaiters.splice(0)) resolve()
  }

  #drained(): void {
    if (this.#closed) return
    this.#handler!.onDrained()
    if (this.#sinceDrained >= BURST) {
      this.#sinceDrained = 0
      this.onBacklogDrained?.()
    }
    this.#sinceDrained = 0
  }
}

/** Immediate records a sender may push before the host's onDrained has run (see canSend). */
const BURST = 4096

const NO_FRAMES: Uint8Array[] = []
