import { ZmtpError } from "./errors.js"
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from "./frame.js"

export interface FrameSink {
  onFrame(flags: number, body: Uint8Array): void
  /**
   * True when the sink keeps nothing of a body past onFrame (it copies what it keeps, as a
   * CURVE reader opening each box does): then an ephemeral chunk's bodies are handed out as
   * views of it, with no copy.
   */
  readonly copiesBodies?: boolean
  /**
   * Optional streaming of large data frames: when present, a data frame of at least
   * `streamFrom` bytes is announced here and its body arrives through onFrameData in the
   * pieces the input came in (views, valid during the call), instead of being assembled.
   */
  onFrameStart?(flags: number, size: number): void
  onFrameData?(piece: Uint8Array): void
  /**
   * Optional, with streaming: memory the rest of the streamed frame's body goes into, to be
   * read into directly (see FrameDecoder.readTarget); null when the sink has none.
   */
  frameTarget?(): Uint8Array | null
  /** `count` bytes were read into what frameTarget() returned. */
  onFrameFilled?(count: number): void
}

// Decoder states; plain numbers keep the hot loop free of enum lookups.
const FLAGS = 0
const SIZE = 1
const BODY = 2
const DEAD = 3

const KNOWN_FLAGS = FLAG_MORE | FLAG_LONG | FLAG_COMMAND
// Largest high 32-bit word that keeps an 8-byte size within Number.MAX_SAFE_INTEGER.
const MAX_SAFE_HIGH_WORD = 0x1f_ffff
const EMPTY = new Uint8Array(0)
/** The first memory for a body spanning chunks; it doubles as the body arrives. */
const FIRST_BODY = 64 * 1024
/** Past this, no JavaScript buffer can hold the frame (V8's typed array limit). */
const MAX_FRAME = 0xffff_ffff
/**
 * A body is read straight into its own memory (readTarget) only when this much of it is left:
 * a smaller read would cost a system call for little, where a shared read buffer takes the
 * rest of the body and the frames after it at once.
 */
const DIRECT_READ_FROM = 16 * 1024
/**
 * After a frame this large, the next read that is not into a body takes at most SMALL_READ
 * bytes: enough for the next header and then some, while a larger read would carry most of the
 * next large body with it, to be copied out (libzmq reads into an 8 KiB batch the same way).
 */
const LARGE_FLOW_FROM = 32 * 1024
const SMALL_READ = 8 * 1024

/**
 * Incremental ZMTP frame decoder. Input may be split anywhere, even byte by byte.
 * Bodies lying wholly inside one chunk are handed out as views (no copy); of an ephemeral chunk
 * (memory the next read reuses), views of one copy of it.
 *
 * A large body may instead be read into directly: readTarget() names its memory still to be
 * filled, and filled() counts what the reader put there (the kernel, with no copy between).
 */
export class FrameDecoder {
  private readonly sink: FrameSink
  private readonly maxMessageSize: number
  private state: number = FLAGS
  private flags = 0
  // Size field bytes gathered so far (1 or 8 needed).
  private readonly sizeBytes = new Uint8Array(8)
  private sizeNeeded = 0
  private sizeFilled = 0
  // Body being assembled across chunks; only allocated when a body spans chunks.
  private body: Uint8Array = EMPTY
  private bodyFilled = 0
  private bodySize = 0
  private readonly streamFrom: number
  private streaming = false
  /** The last frame was at least LARGE_FLOW_FROM bytes (see readSize). */
  private largeFlow = false

  private readonly allocate: (size: number) => Uint8Array

  /**
   * `streamFrom`: data frames of at least this size are streamed (if the sink can).
   * `allocate`: memory for a body that spans chunks; it is filled whole, so it need not be
   * zeroed (the Node engine passes Buffer.allocUnsafe).
   */
  constructor(
    sink: FrameSink,
    maxMessageSize?: number,
    streamFrom = Number.POSITIVE_INFINITY,
    allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size),
  ) {
    this.sink = sink
    this.allocate = allocate
    this.maxMessageSize = maxMessageSize ?? -1
    this.streamFrom = sink.onFrameStart && sink.onFrameData ? streamFrom : Number.POSITIVE_INFINITY
  }

  /** `ephemeral`: the chunk's memory is reused after this call, so no view of it is kept. */
  push(chunk: Uint8Array, ephemeral = false): void {
    if (this.state === DEAD) throw new ZmtpError("EPROTO", "frame decoder already failed")
    try {
      this.consume(chunk, ephemeral)
    } catch (err) {
      // A stream that failed mid-frame cannot be resynchronised.
      this.state = DEAD
      throw err
    }
  }

  /**
   * The memory the next bytes of a large body being assembled belong in, for a reader that can
   * read into it directly; null when the next bytes are best read elsewhere and pushed.
   */
  readTarget(): Uint8Array | null {
    if (this.state !== BODY || this.bodySize - this.bodyFilled < DIRECT_READ_FROM) return null
    if (this.streaming) return this.sink.frameTarget?.() ?? null
    if (this.bodyFilled === this.body.byteLength) this.grow(this.bodyFilled + 1)
    return this.body.subarray(this.bodyFilled)
  }

  /** At most how many bytes the next read that is not into a body should take. */
  readSize(): number {
    return this.largeFlow ? SMALL_READ : Number.POSITIVE_INFINITY
  }

  /** `count` bytes were read into what readTarget() returned. */
  filled(count: number): void {
    if (this.state !== BODY) {
      throw new ZmtpError("EPROTO", "bytes read into a body no longer awaited")
    }
    this.bodyFilled += count
    try {
      if (this.streaming) {
        if (this.bodyFilled === this.bodySize) {
          this.streaming = false
          this.largeFlow = true // streamed frames are large ones
          this.state = FLAGS
        }
        this.sink.onFrameFilled!(count)
        return
      }
      if (this.bodyFilled < this.bodySize) return
      const body = this.body
      this.body = EMPTY
      this.bodyFilled = 0
      this.finishFrame(body)
    } catch (err) {
      this.state = DEAD
      throw err
    }
  }

  private consume(chunk: Uint8Array, ephemeral: boolean): void {
    let pos = 0
    let end = chunk.length
    while (pos < end) {
      switch (this.state) {
        case FLAGS: {
          this.readFlags(chunk[pos++]!)
          break
        }
        case SIZE: {
          // Byte by byte: at most 8, and no view object per frame.
          const take = Math.min(this.sizeNeeded - this.sizeFilled, end - pos)
          for (let i = 0; i < take; i++) this.sizeBytes[this.sizeFilled++] = chunk[pos++]!
          if (this.sizeFilled === this.sizeNeeded) this.startBody()
          break
        }
        case BODY: {
          if (this.streaming) {
            const take = Math.min(this.bodySize - this.bodyFilled, end - pos)
            this.bodyFilled += take
            const piece = chunk.subarray(pos, pos + take)
            pos += take
            if (this.bodyFilled === this.bodySize) {
              this.streaming = false
              this.largeFlow = this.bodySize >= LARGE_FLOW_FROM
              this.state = FLAGS
            }
            this.sink.onFrameData!(piece)
            break
          }
          if (this.bodyFilled === 0 && end - pos >= this.bodySize) {
            if (ephemeral && !this.sink.copiesBodies) {
              // Memory about to be reused: the rest of the chunk is copied once, and this
              // frame and those after it are views of the copy (one copy per read, not per frame).
              const rest = this.allocate(end - pos)
              rest.set(chunk.subarray(pos, end))
              chunk = rest
              end -= pos
              pos = 0
              ephemeral = false
            }
            // Whole body in this chunk: zero-copy view.
            const body = chunk.subarray(pos, pos + this.bodySize)
            pos += this.bodySize
            this.finishFrame(body)
            break
          }
          const take = Math.min(this.bodySize - this.bodyFilled, end - pos)
          if (this.bodyFilled + take > this.body.byteLength) this.grow(this.bodyFilled + take)
          this.body.set(chunk.subarray(pos, pos + take), this.bodyFilled)
          this.bodyFilled += take
          pos += take
          if (this.bodyFilled === this.bodySize) {
            const body = this.body
            this.body = EMPTY
            this.bodyFilled = 0
            this.finishFrame(body)
          }
          break
        }
        default:
          throw new ZmtpError("EPROTO", "frame decoder already failed")
      }
    }
  }

  /**
   * Memory for a body spanning chunks grows with what arrived (to twice that, up to the declared
   * size) rather than being taken whole at the header: a peer that announces a huge frame and
   * sends little makes us hold little.
   */
  private grow(needed: number): void {
    // Twice what has arrived: a body that mostly came in its first chunk is allocated once.
    const body = this.allocate(Math.min(this.bodySize, Math.max(needed * 2, FIRST_BODY)))
    if (this.bodyFilled > 0) body.set(this.body.subarray(0, this.bodyFilled))
    this.body = body
  }

  private readFlags(byte: number): void {
    const flags = byte & KNOWN_FLAGS
    if ((flags & FLAG_COMMAND) !== 0 && (flags & FLAG_MORE) !== 0) {
      throw new ZmtpError("EPROTO", "command frame with MORE flag")
    }
    this.flags = flags
    this.sizeNeeded = (flags & FLAG_LONG) !== 0 ? 8 : 1
    this.sizeFilled = 0
    this.state = SIZE
  }

  private startBody(): void {
    let size: number
    if (this.sizeNeeded === 1) {
      size = this.sizeBytes[0]!
    } else {
      const view = new DataView(this.sizeBytes.buffer)
      const high = view.getUint32(0)
      if (high > MAX_SAFE_HIGH_WORD) throw new ZmtpError("EPROTO", "frame size too large")
      size = high * 0x1_0000_0000 + view.getUint32(4)
    }
    // Checked before any allocation so a hostile size cannot exhaust memory.
    if (size > MAX_FRAME) throw new ZmtpError("EMSGSIZE", `frame of ${size} bytes is too large`)
    if (this.maxMessageSize >= 0 && size > this.maxMessageSize) {
      throw new ZmtpError("EMSGSIZE", `frame of ${size} bytes exceeds ${this.maxMessageSize}`)
    }
    this.bodySize = size
    this.bodyFilled = 0
    if (size === 0) {
      this.finishFrame(new Uint8Array(0))
      return
    }
    this.state = BODY
    if (size >= this.streamFrom && (this.flags & FLAG_COMMAND) === 0) {
      this.streaming = true
      this.sink.onFrameStart!(this.flags, size)
    }
  }

  private finishFrame(body: Uint8Array): void {
    this.state = FLAGS
    this.largeFlow = body.byteLength >= LARGE_FLOW_FROM
    this.sink.onFrame(this.flags, body)
  }
}
