import { ZmqError } from "../errors.js"
import {
  type Command,
  FLAG_COMMAND,
  FLAG_MORE,
  FrameDecoder,
  type MessageCipher,
  parseCommand,
  ZmtpError,
} from "../zmtp/mod.js"
import { unsealedFlags } from "./frame-writer.js"

/** Where a ready connection's incoming traffic goes. */
export interface FrameReaderSink {
  /** A whole message (frames as views, valid until handed on). */
  message(frames: Uint8Array[]): void
  /** A message with a large frame, frame by frame (see EngineHandler.frameStart). */
  frameStart(size: number, more: boolean): void
  frameData(piece: Uint8Array): void
  /**
   * Memory the rest of the frame now streaming goes into, when the sink gathers it in memory
   * of its own: the connection reads into it directly. Null otherwise.
   */
  frameTarget(): Uint8Array | null
  /** `count` bytes of the streaming frame were read into what frameTarget() returned. */
  frameFilled(count: number): void
  command(command: Command): void
}

/**
 * Bounds on one incomplete message (libzmq has none; a peer sending MORE frames without end
 * made omq hold ~170 bytes per 2-byte frame). FRAME_COST is what a held frame costs beyond its
 * body: its view object and array slot.
 */
const MAX_PENDING_FRAMES = 65_536
const MAX_PENDING_BYTES = 256 * 1024 * 1024
const FRAME_COST = 128
/** Bodies that span chunks are filled whole: no need to zero them first. */
const allocateBody = (size: number): Uint8Array => Buffer.allocUnsafe(size)

/**
 * The read side of a ZMTP connection once it is ready: frames decoded (under CURVE, opened
 * from their MESSAGE boxes), commands passed on, data frames gathered into whole messages, or
 * handed on frame by frame from the first large one. What a peer makes it hold of an
 * incomplete message is bounded; over the bound the peer is dropped (EPROTO).
 *
 * Runs on the connection's thread.
 */
export class FrameReader {
  readonly #sink: FrameReaderSink
  readonly #decoder: FrameDecoder
  readonly #cipher: MessageCipher | null
  /** What a whole frame may hold (the box, under CURVE); -1 for no limit. */
  readonly #limit: number
  readonly #streamFrom: number
  #parts: Uint8Array[] = []
  /** True while a streamed message's frames are arriving (until its last frame starts). */
  #streaming = false
  /** Frames of the incomplete message now arriving, and the memory they hold. */
  #partsCount = 0
  #partsHeld = 0

  /**
   * Under CURVE every frame is a box: none is streamed, and the limit counts the box.
   * `maxMessageSize` is -1 for no limit; data frames from `streamFrom` bytes are streamed.
   */
  constructor(
    sink: FrameReaderSink,
    cipher: MessageCipher | null,
    maxMessageSize: number,
    streamFrom: number,
  ) {
    this.#sink = sink
    this.#cipher = cipher
    this.#limit = maxMessageSize < 0 || !cipher ? maxMessageSize : maxMessageSize + cipher.overhead
    this.#streamFrom = cipher ? Number.POSITIVE_INFINITY : streamFrom
    if (cipher) {
      const limit = this.#limit
      this.#decoder = new FrameDecoder(
        // Opening a box copies it: views of a shared read buffer are fine.
        { onFrame: (_flags, box) => this.#onSealed(box), copiesBodies: true },
        limit,
        Number.POSITIVE_INFINITY,
        allocateBody,
      )
      return
    }
    this.#decoder = new FrameDecoder(
      {
        onFrame: (flags, body) => this.#onFrame(flags, body),
        onFrameStart: (flags, size) => this.#onFrameStart(flags, size),
        onFrameData: (piece) => sink.frameData(piece),
        frameTarget: () => sink.frameTarget(),
        onFrameFilled: (count) => sink.frameFilled(count),
      },
      maxMessageSize,
      streamFrom,
      allocateBody,
    )
  }

  /**
   * Bytes from the peer; throws (ZmtpError, ZmqError) when it broke the protocol.
   * `ephemeral`: the chunk's memory is reused once this returns (nothing keeps a view of it).
   */
  push(chunk: Uint8Array, ephemeral = false): void {
    this.#decoder.push(chunk, ephemeral)
  }

  /** Memory the next bytes belong in (a large body), to read into directly; or null. */
  readTarget(): Uint8Array | null {
    return this.#decoder.readTarget()
  }

  /** At most how many bytes the next read that is not into a body should take. */
  readSize(): number {
    return this.#decoder.readSize()
  }

  /** `count` bytes were read into what readTarget() returned; throws as push(). */
  filled(count: number): void {
    this.#decoder.filled(count)
  }

  /**
   * One whole frame, from a carrier that has frames rather than bytes (ws): the decoder's work
   * is done already, so it is skipped. `flags` are ZMTP's; `body` is a view, valid until handed
   * on.
   */
  frame(flags: number, body: Uint8Array): void {
    const size = body.byteLength
    if ((flags & FLAG_COMMAND) !== 0 && (flags & FLAG_MORE) !== 0) {
      throw new ZmtpError("EPROTO", "command frame with MORE flag")
    }
    if (this.#limit >= 0 && size > this.#limit) {
      throw new ZmtpError("EMSGSIZE", `frame of ${size} bytes exceeds ${this.#limit}`)
    }
    if (this.#cipher) this.#onSealed(body)
    else if (size >= this.#streamFrom && !(flags & FLAG_COMMAND)) {
      this.#onFrameStart(flags, size)
      this.#sink.frameData(body)
    } else this.#onFrame(flags, body)
  }

  /** The connection is gone: a message cut short goes with it. */
  drop(): void {
    this.#parts = []
    this.#partsHeld = this.#partsCount = 0
    this.#streaming = false
  }

  #onSealed(box: Uint8Array): void {
    const { flags, body } = this.#cipher!.open(box)
    this.#onFrame(unsealedFlags(flags), body)
  }

  #onFrame(flags: number, body: Uint8Array): void {
    if (flags & FLAG_COMMAND) {
      this.#sink.command(parseCommand(body))
      return
    }
    if (this.#streaming) {
      const more = (flags & FLAG_MORE) !== 0
      this.#counted(more, 0)
      this.#streaming = more
      this.#sink.frameStart(body.byteLength, more)
      if (body.byteLength > 0) this.#sink.frameData(body)
      return
    }
    if (!(flags & FLAG_MORE)) {
      // A single-frame message gets an array of its own size (a push into [] reserves more).
      let parts = this.#parts
      if (parts.length === 0) parts = [body]
      else {
        parts.push(body)
        this.#parts = []
        this.#partsHeld = this.#partsCount = 0
      }
      this.#sink.message(parts)
      return
    }
    this.#counted(true, body.byteLength)
    this.#parts.push(body)
  }

  #onFrameStart(flags: number, size: number): void {
    if (!this.#streaming) {
      // Replay the frames gathered so far, so the whole message goes frame by frame.
      for (const part of this.#parts) {
        this.#sink.frameStart(part.byteLength, true)
        if (part.byteLength > 0) this.#sink.frameData(part)
      }
      this.#parts = []
    }
    const more = (flags & FLAG_MORE) !== 0
    this.#counted(more, 0)
    this.#streaming = more
    this.#sink.frameStart(size, more)
  }

  /**
   * Counts a frame of a message: one that has more to come is held (`bytes` of it here); the
   * last one ends the count.
   */
  #counted(more: boolean, bytes: number): void {
    if (!more) {
      this.#partsHeld = this.#partsCount = 0
      return
    }
    this.#partsHeld += bytes + FRAME_COST
    if (++this.#partsCount > MAX_PENDING_FRAMES || this.#partsHeld > MAX_PENDING_BYTES) {
      throw new ZmqError(
        "EPROTO",
        `an incomplete message of over ${this.#partsCount - 1} frames or ${MAX_PENDING_BYTES} bytes`,
      )
    }
  }
}
