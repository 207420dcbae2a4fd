import type { RecordKind } from "./records.js"

/**
 * One direction of the link between a socket and the host of its connections, as its two ends
 * see it: the writer's RecordSink and the reader's RecordSource, whose handler gets one call per
 * record, in order. Two implementations: a ring in shared memory (Outbox and Inbox: the host is
 * an IO thread) and a queue of objects (InThreadRecords: the host runs on
 * the socket's own thread, with `ioThreads: 0`).
 */
export interface RecordSink {
  /** Queues a record. Never throws for lack of space. */
  push(
    kind: RecordKind,
    peer: number,
    count: number,
    frames?: readonly Uint8Array[],
    flags?: number,
  ): void
  /**
   * As push(), for a record nobody waits for (a monitor event): it does not wake a reader
   * that sleeps on another thread, but travels with the next record that does, or wakes it
   * LATER_MS after at the latest. Order is kept either way.
   */
  pushLater(kind: RecordKind, peer: number, count: number, frames: readonly Uint8Array[]): void
  /** Wakes the reader now for what pushLater() left quiet (before an answer that wakes it too). */
  hurry(): void
  /** Sends a whole message (the frames are not touched again by the caller). */
  pushMessage(peer: number, frames: readonly Uint8Array[]): void
  /** Starts one frame of a streamed message; its bytes follow through pushChunks. */
  pushFrameStart(peer: number, size: number, more: boolean): void
  /** Streams bytes of the current frame (copied: the caller's memory may be reused). */
  pushChunks(peer: number, bytes: Uint8Array): void
  /** Messages at least this large are streamed frame by frame (see Outbox.pushMessage). */
  readonly streamFrom: number
  /** Whether a message may go now (see Outbox.canSend). */
  canSend(): boolean
  /** Called once records held back for lack of room have gone (senders may retry). */
  onBacklogDrained: (() => void) | null
  /** Resolves once every record is with the reader's side (or the link closed). */
  flushed(): Promise<void>
  close(): void
}

/**
 * How late a pushLater() record may wake its reader. Waking a thread that sleeps costs ~50 µs
 * here (shared/THREADS-NOTES.md); a socket's connect:delay and connect events then ride with
 * its handshake's PeerUp, where each woke the socket's thread on its own. Monitor events were
 * never synchronous with anything (the host sends them as it goes); a few ms more is nothing
 * to an observer.
 */
export const LATER_MS = 10

/** The reading end: drains records into its handler on the owning thread. */
export interface RecordSource {
  /** Starts draining. Called once the handler is fully constructed (a record may wait). */
  start(): void
  /** Handles whatever records are there now, without waiting for a wake-up. */
  drainNow(): void
  close(): void
}

/** The frames of the control record being handled, read only if the handler needs them. */
export interface ControlFrames {
  read(): Uint8Array[]
}

/** What a RecordSource hands its owner, one call per record, in order. */
export interface InboxHandler {
  /** A message whose frames are still in the ring at `at` (see records.ts for the layout). */
  onMessage(peer: number, bytes: Uint8Array, view: DataView, at: number): void
  /** A whole message as objects (the in-thread link): the frames are the handler's to keep. */
  onFrames(peer: number, frames: Uint8Array[]): void
  /** A frame of a streamed (large) message starts; its bytes follow through onChunk. */
  onFrameStart(peer: number, size: number, more: boolean): void
  /**
   * Bytes of the current streamed frame: a view into the ring valid during the call, or, when
   * `owned`, the whole frame in shared memory that came over the lane, which the handler may
   * keep.
   */
  onChunk(peer: number, bytes: Uint8Array, owned: boolean): void
  /** Any other record; its frames, if it has any, through `frames` during the call. */
  onControl(
    kind: RecordKind,
    flags: number,
    peer: number,
    count: number,
    frames: ControlFrames,
  ): void
  /** Called after each batch of records, so the owner can flush once per batch. */
  onDrained(): void
}
