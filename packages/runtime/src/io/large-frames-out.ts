import { type LaneItem, LaneKind } from "../ring/lane.js"
import type { Outbox } from "../ring/outbox.js"
import type { TransferPool } from "../ring/transfer-pool.js"

/** An IO worker's way to its parent thread, the context's owner. */
export interface ToParent {
  thread: number
  post(lane: string, item: LaneItem, transfer: ArrayBuffer[]): void
}

/**
 * How the large frames a socket's connections receive (TRANSFER_FROM bytes and more, gathered
 * whole by the connection) reach the socket's thread:
 * - by transfer over the IO worker's own port, when the socket lives on the worker's parent
 *   (the context's owner, usually the main thread): one copy, from the kernel's chunks;
 * - else in pooled shared memory over the socket's lane: the socket copies each frame out when
 *   its application takes it and hands the memory back (a BroadcastChannel cannot transfer).
 *
 * One per HostedSocket, on the host's thread.
 */
export class LargeFramesOut {
  readonly #outbox: Outbox
  readonly #pool: TransferPool
  readonly #lane: string
  readonly #toParent: ToParent | null

  /** @param pool memory for the lane's frames, back from the socket once taken. */
  constructor(outbox: Outbox, pool: TransferPool, lane: string, toParent: ToParent | null) {
    this.#outbox = outbox
    this.#pool = pool
    this.#lane = lane
    this.#toParent = toParent
  }

  /** Memory to gather a frame of `size` bytes in. */
  alloc(size: number): Uint8Array {
    return this.#toParent ? Buffer.allocUnsafeSlow(size) : this.#pool.take(size)
  }

  /** Hands a gathered frame (from alloc()) to the socket, in its place among the records. */
  handOver(peerId: number, body: Uint8Array, more: boolean): void {
    const toParent = this.#toParent
    if (!toParent) {
      this.#outbox.pushTransferred(peerId, body, more, true)
      return
    }
    const memory = body.buffer as ArrayBuffer
    const size = body.byteLength // read before the transfer detaches it
    toParent.post(this.#lane, [LaneKind.Frame, memory, size], [memory])
    this.#outbox.pushFrameSentElsewhere(peerId, size, more)
  }
}
