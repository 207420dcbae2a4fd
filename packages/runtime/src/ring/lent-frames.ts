import { copyBytes } from "@omq/transport"
import { TRANSFER_FROM } from "./lane.js"

/**
 * Large frames that arrived in another thread's pooled shared memory (see Inbox). The socket
 * copies such a frame out when the application takes it, and hands the memory back then: so
 * the memory in flight stays within the sender's budget, and the copy lands in memory the
 * application's last frames freed (a copy into fresh memory per frame page-faults at a few
 * hundred MB/s). A frame the socket drops without handing it out (a conflated message, a
 * closed socket) hands its memory back when it is garbage-collected.
 *
 * Per thread; used by the sockets of this thread.
 */
const owed = new WeakMap<ArrayBufferLike, () => void>()
const dropped = new FinalizationRegistry<() => void>((giveBack) => giveBack())

/** Marks `memory` as lent: `giveBack` returns it to its pool once its frame is taken. */
export function lend(memory: SharedArrayBuffer, giveBack: () => void): void {
  owed.set(memory, giveBack)
}

/** A socket made `frame` (the one view the application may get) over lent memory. */
export function adopted(frame: Buffer): void {
  const giveBack = owed.get(frame.buffer)
  if (giveBack) dropped.register(frame, giveBack, frame)
}

/** The application takes `frames`: lent ones are copied out and their memory given back. */
export function takeLent(frames: Buffer[]): Buffer[] {
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!
    if (frame.byteLength < TRANSFER_FROM) continue // the common case: no lookup per small frame
    const giveBack = owed.get(frame.buffer)
    if (!giveBack) continue
    owed.delete(frame.buffer)
    dropped.unregister(frame)
    const copy = Buffer.allocUnsafeSlow(frame.byteLength)
    copyBytes(copy, frame)
    frames[i] = copy
    giveBack()
  }
  return frames
}
