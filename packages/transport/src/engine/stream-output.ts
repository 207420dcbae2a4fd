import type { Socket } from "node:net"
import { copyBytes, frameHeaderSize, writeFrameHeader } from "../zmtp/mod.js"
import type { FrameOutput } from "./carrier.js"

/**
 * Output is gathered into chunks of up to this size; larger owned frames are written as they
 * are. A connection starts with a small chunk (a slice of Node's shared buffer pool) and doubles
 * it each time a burst fills it, halving it again after small ones; a chunk over 2 KiB is let go
 * at each flush. An idle connection, one of thousands on a ROUTER, holds 2 KiB at most.
 */
const OUT_CHUNK = 64 * 1024
const OUT_FIRST = 2 * 1024
/** No chunk: a quiet connection lets its large one go. */
const NO_OUT = Buffer.alloc(0)
/** Owned frames up to this size are copied into the chunk anyway (one write beats two). */
const COPY_LIMIT = 8 * 1024

/** How a frame's header is laid out on the wire (ZMTP's own, or a WebSocket frame's for ZWS). */
export interface Framing {
  headerSize(bodySize: number): number
  /** Writes the header of a frame of `flags` (ZMTP's) and `size` body bytes; returns its end. */
  writeHeader(out: Uint8Array, at: number, flags: number, size: number): number
}

const ZMTP_FRAMING: Framing = { headerSize: frameHeaderSize, writeHeader: writeFrameHeader }

/**
 * The bytes a connection has yet to write: frames gathered into chunks, and owned frames kept
 * as they are, all written to the stream in one corked burst per flush(). Runs on the
 * connection's thread.
 */
export class StreamOutput implements FrameOutput {
  readonly #stream: Socket
  readonly #framing: Framing
  #outChunk = OUT_FIRST
  #out: Buffer = NO_OUT
  #outLen = 0
  /** Bytes gathered into chunks since the last flush. */
  #gathered = 0
  #pending: Uint8Array[] = []
  /** Callbacks for owned chunks whose memory the caller wants back once written (or dropped). */
  readonly #onWritten = new WeakMap<Uint8Array, () => void>()

  constructor(stream: Socket, framing: Framing = ZMTP_FRAMING) {
    this.#stream = stream
    this.#framing = framing
  }

  /** Appends a frame; an owned body over COPY_LIMIT is kept as it is, not copied. */
  frame(flags: number, body: Uint8Array, owned: boolean): void {
    const size = body.byteLength
    if (owned && size > COPY_LIMIT) {
      this.header(flags, size)
      this.owned(body)
      return
    }
    this.#reserve(this.#framing.headerSize(size) + size)
    this.#outLen = this.#framing.writeHeader(this.#out, this.#outLen, flags, size)
    copyBytes(this.#out, body, this.#outLen) // a ring's shared memory, often
    this.#outLen += size
  }

  /** Room for a frame's body in the chunk, for frames that frame() would copy (see FrameOutput). */
  frameRoom(flags: number, size: number): Uint8Array | null {
    if (size > COPY_LIMIT) return null
    this.#reserve(this.#framing.headerSize(size) + size)
    const at = this.#framing.writeHeader(this.#out, this.#outLen, flags, size)
    this.#outLen = at + size
    // A plain view: Buffer#subarray costs more than the header.
    return new Uint8Array(this.#out.buffer, this.#out.byteOffset + at, size)
  }

  header(flags: number, size: number): void {
    this.#reserve(this.#framing.headerSize(size))
    this.#outLen = this.#framing.writeHeader(this.#out, this.#outLen, flags, size)
  }

  /** Appends bytes (copied: the caller's memory may be reused). */
  bytes(bytes: Uint8Array): void {
    let from = 0
    while (from < bytes.byteLength) {
      if (this.#outLen === this.#out.byteLength) this.#reserve(1)
      const take = Math.min(bytes.byteLength - from, this.#out.byteLength - this.#outLen)
      copyBytes(this.#out, bytes.subarray(from, from + take), this.#outLen)
      this.#outLen += take
      from += take
    }
  }

  /** Appends bytes the caller gives up, written without a copy; `written` runs once they are. */
  owned(bytes: Uint8Array, written?: () => void): void {
    this.#spill()
    this.#pending.push(bytes)
    if (written) this.#onWritten.set(bytes, written)
  }

  /** Writes everything gathered. Returns false when the stream wants a `drain` first. */
  flush(): boolean {
    this.#spill()
    this.#settleChunk()
    const pending = this.#pending
    if (pending.length === 0) return !this.#stream.writableNeedDrain
    this.#pending = []
    if (pending.length === 1) {
      this.#write(pending[0]!)
    } else {
      this.#stream.cork()
      for (const chunk of pending) this.#write(chunk)
      this.#stream.uncork()
    }
    return !this.#stream.writableNeedDrain
  }

  /** The connection is gone: owned memory waiting to be written is given back. */
  drop(): void {
    for (const chunk of this.#pending) this.#onWritten.get(chunk)?.()
    this.#pending = []
  }

  #write(chunk: Uint8Array): void {
    const written = this.#onWritten.get(chunk)
    if (!written) {
      this.#stream.write(chunk)
      return
    }
    // Written or failed, the memory is free again either way.
    this.#stream.write(chunk, () => written())
  }

  #reserve(bytes: number): void {
    if (this.#outLen + bytes <= this.#out.byteLength) return
    if (this.#out.byteLength > 0) this.#spillFull()
    if (bytes > this.#out.byteLength - this.#outLen) {
      this.#out = Buffer.allocUnsafe(Math.max(bytes, this.#outChunk))
    }
  }

  /** The chunk filled up within a burst: the next ones are larger. */
  #spillFull(): void {
    this.#outChunk = Math.min(this.#outChunk * 2, OUT_CHUNK)
    this.#spill()
  }

  /** After a flush: small bursts shrink the next chunk, and a large one is not kept. */
  #settleChunk(): void {
    if (this.#gathered * 4 < this.#outChunk) {
      this.#outChunk = Math.max(OUT_FIRST, this.#outChunk >>> 1)
    }
    this.#gathered = 0
    if (this.#out.byteLength > OUT_FIRST) this.#out = NO_OUT
  }

  /** Moves the gathered bytes to the pending list. */
  #spill(): void {
    if (this.#outLen === 0) return
    this.#gathered += this.#outLen
    this.#pending.push(this.#out.subarray(0, this.#outLen))
    const rest = this.#out.byteLength - this.#outLen
    // The rest of the chunk serves the next writes; a nearly full one is replaced when needed.
    this.#out = rest >= 4096 ? this.#out.subarray(this.#outLen) : NO_OUT
    this.#outLen = 0
  }
}
