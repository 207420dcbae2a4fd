import { copyBytes } from "@omq/transport"
import { adopted } from "./lent-frames.js"

/**
 * Rebuilds one peer's streamed message (LargeFrame + Chunk records) into Buffers. Records of
 * different peers may interleave in a ring (two connections streaming at once), so each peer
 * has its own assembler.
 */
export class FrameAssembler {
  #frames: Buffer[] = []
  #current: Buffer | null = null
  #size = 0
  #filled = 0
  #more = false

  /** Starts a frame; returns the finished message when it is an empty last frame. */
  start(size: number, more: boolean): Buffer[] | null {
    this.#current = null
    this.#size = size
    this.#filled = 0
    this.#more = more
    return size === 0 ? this.#endFrame(Buffer.alloc(0)) : null
  }

  /**
   * Adds bytes to the current frame; returns the message once its last frame is complete.
   * An `owned` whole frame is adopted without a copy.
   */
  add(bytes: Uint8Array, owned: boolean): Buffer[] | null {
    if (this.#current === null) {
      if (owned && bytes.byteLength === this.#size) {
        const frame = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        adopted(frame)
        return this.#endFrame(frame)
      }
      this.#current = Buffer.allocUnsafe(this.#size)
    }
    copyBytes(this.#current, bytes, this.#filled)
    this.#filled += bytes.byteLength
    return this.#filled === this.#size ? this.#endFrame(this.#current) : null
  }

  #endFrame(frame: Buffer): Buffer[] | null {
    this.#frames.push(frame)
    this.#current = null
    if (this.#more) return null
    const frames = this.#frames
    this.#frames = []
    return frames
  }
}
