/**
 * Rebuilds a streamed message (LargeFrame + Chunk records) into Buffers. One per ring
 * direction suffices: records are ordered, so at most one streamed message is in progress.
 */
export class FrameAssembler {
  #frames: Buffer[] = []
  #current: Buffer | null = null
  #filled = 0
  #more = false
  /** Peer whose message is in progress, -1 when none. */
  peer = -1

  /** Starts a frame; returns the finished message when it is an empty last frame. */
  start(peer: number, size: number, more: boolean): Buffer[] | null {
    if (this.peer !== peer) this.reset()
    this.peer = peer
    this.#current = Buffer.allocUnsafe(size)
    this.#filled = 0
    this.#more = more
    return size === 0 ? this.#endFrame() : null
  }

  /** Adds bytes to the current frame; returns the message once its last frame is complete. */
  add(bytes: Uint8Array): Buffer[] | null {
    const current = this.#current
    if (!current) return null // the message was dropped (its peer went away)
    current.set(bytes, this.#filled)
    this.#filled += bytes.byteLength
    return this.#filled === current.byteLength ? this.#endFrame() : null
  }

  /** Drops a partial message (its peer is gone): a receiver never sees part of a message. */
  reset(): void {
    this.#frames = []
    this.#current = null
    this.peer = -1
  }

  #endFrame(): Buffer[] | null {
    this.#frames.push(this.#current!)
    this.#current = null
    if (this.#more) return null
    const frames = this.#frames
    this.#frames = []
    this.peer = -1
    return frames
  }
}
