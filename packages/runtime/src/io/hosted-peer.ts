import type { Engine } from "@omq/transport"

/**
 * One peer pipe of a socket, as its host sees it. A pipe outlives its connections when it
 * belongs to a connect() without `immediate`: messages queue here until the next handshake,
 * exactly as libzmq keeps a connecter's pipe across reconnects.
 *
 * Owned by the host's thread.
 */
export class HostedPeer {
  readonly id: number
  readonly endpoint: string
  /** Keep only the newest message waiting to be written (the socket's `conflate`). */
  readonly conflate: boolean
  /** Made by a connect() (else accepted by a bind()). */
  readonly connected: boolean
  engine: Engine | null = null
  /** Messages the socket sent while no connection was ready (copied out of the ring). */
  queue: Uint8Array[][] = []
  /** Messages written to the engine since the last credit went back to the socket. */
  written = 0
  /** The engine asked for a drain: hold credit until it comes. */
  blocked = false
  /** Messages delivered to the socket that it has not yet returned credit for. */
  inflight = 0
  /** A conflating pipe at its receive limit: the newest message, sent on when credit returns. */
  newest: Uint8Array[] | null = null
  paused = false
  /** Receive high-water mark of the connection serving this pipe. */
  receiveLimit = 0x7fffffff
  constructor(id: number, endpoint: string, conflate = false, connected = false) {
    this.id = id
    this.endpoint = endpoint
    this.conflate = conflate
    this.connected = connected
  }

  /**
   * Messages may go straight into the connection. Not so before the handshake, nor for a
   * conflating pipe whose connection is waiting for a drain: its messages wait in `queue`,
   * where a newer one replaces them.
   */
  get writable(): boolean {
    return this.engine?.ready === true && !(this.conflate && this.blocked)
  }

  /**
   * Keeps a message until the pipe is writable. On a conflating pipe it replaces what waited:
   * the replaced messages count as written (their send credit goes back) and their transferred
   * memory goes to `giveBack`.
   */
  hold(frames: Uint8Array[], giveBack: (buffer: ArrayBufferLike) => void): void {
    if (this.conflate) {
      for (const old of this.queue) for (const f of old) giveBack(f.buffer)
      this.written += this.queue.length
      this.queue = []
    }
    this.queue.push(frames)
  }

  /** Counts a message handed to the socket; stops reading at the receive high-water mark. */
  delivered(): void {
    if (++this.inflight >= this.receiveLimit && !this.paused && !this.conflate) {
      this.paused = true
      this.engine?.pause()
    }
  }

  /**
   * A conflating pipe at its receive limit keeps reading but holds only the newest message:
   * true when `frames` was held rather than to be handed over now.
   */
  holdIfFull(frames: Uint8Array[]): boolean {
    if (!this.conflate || this.inflight < this.receiveLimit) return false
    this.newest = frames
    return true
  }

  /**
   * The socket took `count` messages. Reading resumes below the limit; returns the held newest
   * message, if any, which the caller hands over now (it is counted).
   */
  credited(count: number): Uint8Array[] | null {
    this.inflight -= count
    const held = this.inflight < this.receiveLimit ? this.newest : null
    if (held) {
      this.newest = null
      this.inflight++
    }
    if (this.paused && this.inflight < this.receiveLimit) {
      this.paused = false
      this.engine?.resume()
    }
    return held
  }

  /** Writes queued messages into the engine; `written` gets each frame's memory back once the kernel has it. */
  flushQueue(written: (buffer: ArrayBufferLike) => void): void {
    const engine = this.engine
    if (!engine) return
    for (const frames of this.queue) writeMessage(engine, frames, written)
    this.written += this.queue.length
    this.queue = []
  }
}

/**
 * Writes one multipart message the host owns into an engine's output; `written` gets the memory
 * of each frame written without a copy back once the kernel has it.
 */
export function writeMessage(
  engine: Engine,
  frames: readonly Uint8Array[],
  written: (buffer: ArrayBufferLike) => void,
): void {
  const last = frames.length - 1
  frames.forEach((frame, i) => {
    if (frame.byteLength < OWNED_FROM) {
      engine.writeFrame(frame, i < last, false)
      return
    }
    engine.writeFrameHeader(frame.byteLength, i < last)
    engine.writeOwned(frame, () => written(frame.buffer))
  })
}

/**
 * Frames smaller than this are copied into the output rather than written as they are (given-up
 * ones too: see util/zero-copy.ts).
 */
export const OWNED_FROM = 8 * 1024
