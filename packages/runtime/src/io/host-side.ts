import { Inbox } from "../ring/inbox.js"
import { Lane, LaneKind } from "../ring/lane.js"
import { Outbox } from "../ring/outbox.js"
import type { InboxHandler, RecordSink, RecordSource } from "../ring/record-link.js"
import { TransferPool } from "../ring/transfer-pool.js"
import type { SocketAttachment } from "./host-protocol.js"
import { LargeFramesOut, type ToParent } from "./large-frames-out.js"
import { PooledCopies } from "./pooled-copies.js"

/** A HostedSocket's ends of the link to its socket (see record-link.ts). */
export interface HostSide {
  toSocket: RecordSink
  /**
   * Starts reading the socket's records into `handler` (once: the handler is built on the other
   * ends). The caller start()s the source once it is ready for records.
   */
  readFromSocket(handler: InboxHandler): RecordSource
  /** The rings' lane; null in-thread, where nothing is lent and no frame is streamed. */
  lane: Lane | null
  largeFrames: LargeFramesOut | null
  /** In-thread: how the socket's messages are copied as it sends them; null across threads. */
  copies: PooledCopies | null
  /**
   * Memory of the socket's that the host holds (a large frame from the lane, a pooled copy) and
   * owes back once written or dropped; memory that is not owed is ignored.
   */
  owed: OwedMemory
}

export interface OwedMemory {
  owe(buffer: ArrayBufferLike): void
  giveBack(buffer: ArrayBufferLike): void
}

/** Large frames that came over the lane go back over it, to the socket's pool. */
class LaneOwed implements OwedMemory {
  readonly #lane: Lane
  readonly #owed = new WeakSet<ArrayBufferLike>()
  constructor(lane: Lane) {
    this.#lane = lane
  }
  owe(buffer: ArrayBufferLike): void {
    this.#owed.add(buffer)
  }
  giveBack(buffer: ArrayBufferLike): void {
    if (this.#owed.delete(buffer))
      this.#lane.post([LaneKind.GiveBack, buffer as SharedArrayBuffer, 0])
  }
}

/**
 * Opens the host's ends: the socket's queues of objects when it lives on this thread, else its
 * two rings and their lane, with a pool for the large frames handed to the socket's thread.
 * Runs on the host's thread.
 */
export function openHostSide(att: SocketAttachment, toParent: ToParent | null): HostSide {
  if ("inThread" in att) {
    const { toHost, toSocket, pool } = att.inThread
    const readFromSocket = (handler: InboxHandler): RecordSource => {
      toHost.handleWith(handler)
      return toHost
    }
    const copies = new PooledCopies(pool)
    return { toSocket, readFromSocket, lane: null, largeFrames: null, copies, owed: copies }
  }
  const lane = new Lane(att.lane, true) // lazy, as the socket's end (see lane.ts)
  lane.unref() // the socket's side keeps the threads alive, not the host's
  const pool = new TransferPool() // the lane's large frames to the socket, and back
  const toSocket = new Outbox(att.toSocket, lane, false, pool)
  toSocket.wakeAtTaskEnd = true // one wake-up of the socket's thread per task of this one
  // Made in the same task as the lane (the handler is built on toSocket): no lane item is missed.
  const readFromSocket = (handler: InboxHandler): RecordSource =>
    new Inbox(att.toHost, lane, handler, pool, false)
  const largeFrames = new LargeFramesOut(toSocket, pool, att.lane, toParent)
  const owed = new LaneOwed(lane)
  return { toSocket, readFromSocket, lane, largeFrames, copies: null, owed }
}
