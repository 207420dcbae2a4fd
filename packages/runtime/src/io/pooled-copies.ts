import { copyBytes, type Engine } from "@omq/transport"
import type { TransferPool } from "../ring/transfer-pool.js"
import { copyFrame } from "../util/copy-frame.js"
import { isGivenUp } from "../util/zero-copy.js"
import type { OwedMemory } from "./host-side.js"
import { OWNED_FROM } from "./hosted-peer.js"

/**
 * How a host on the socket's own thread (`ioThreads: 0`) takes a message inside send(): the
 * caller may reuse its buffers as soon as send() returns, so they are copied now, unless the
 * caller gave a large frame up (zeroCopy): that one is written from its own memory. Small frames go
 * into the connection's output (or a copy, while the pipe waits); large ones into the socket's
 * pool (reused memory: a fresh 1 MiB allocation page-faults), are written from there, and go
 * back to the pool once the kernel has them (which also counts them against the socket's budget
 * of large frames in flight, as across threads).
 *
 * One per in-thread HostedSocket, on its thread.
 */
export class PooledCopies implements OwedMemory {
  readonly #pool: TransferPool
  /** Pool memory written or queued, owed back to the pool. */
  readonly #taken = new WeakSet<ArrayBufferLike>()

  constructor(pool: TransferPool) {
    this.#pool = pool
  }

  /** Writes a message into `engine`; `written` gets each pooled frame's memory back. */
  write(engine: Engine, frames: Uint8Array[], written: (buffer: ArrayBufferLike) => void): void {
    const last = frames.length - 1
    for (let i = 0; i <= last; i++) {
      const frame = frames[i]!
      if (frame.byteLength < OWNED_FROM) {
        engine.writeFrame(frame, i < last, false)
        continue
      }
      engine.writeFrameHeader(frame.byteLength, i < last)
      if (isGivenUp(frame)) {
        engine.writeOwned(frame) // the application's own memory, given up (zeroCopy)
        continue
      }
      const copy = this.#copy(frame)
      engine.writeOwned(copy, () => written(copy.buffer))
    }
  }

  /** A copy of a message to keep until its pipe can take it (given-up frames are kept as are). */
  keep(frames: Uint8Array[]): Uint8Array[] {
    return frames.map((f) =>
      f.byteLength < OWNED_FROM ? copyFrame(f) : isGivenUp(f) ? f : this.#copy(f),
    )
  }

  /** Copies are owed from the moment they are made (see #copy). */
  owe(): void {}

  /** Takes back a frame's memory if it came from here. */
  giveBack(buffer: ArrayBufferLike): void {
    if (this.#taken.delete(buffer)) this.#pool.put(buffer)
  }

  #copy(frame: Uint8Array): Uint8Array {
    const copy = this.#pool.take(frame.byteLength, false) // written from this thread
    copyBytes(copy, frame)
    this.#taken.add(copy.buffer)
    return copy
  }
}
