/** Frames from this size may be written from the caller's memory (see OWNED_FROM). */
const GIVEN_UP_FROM = 8 * 1024

/** Frames zeroCopy() marked, until a send() claims the mark (see claimGivenUp). */
const marked = new WeakSet<Uint8Array>()
/**
 * Views that one message made of frames whose marks it claimed: what the host reads. The view
 * belongs to that message alone, so the mark cannot outlive it (the caller's later plain send()
 * of the same buffer is copied as usual). WeakSets: a mark costs nothing once collected.
 */
const claimed = new WeakSet<Uint8Array>()

/**
 * Marks a frame as given up to the next send() it is passed to: a socket whose connections live
 * on its own thread (`ioThreads: 0`) writes a large frame (8 KiB and up) to the kernel straight
 * from this memory instead of copying it first, as zeromq.js does with every Buffer over 128
 * bytes. The memory must then not change until the message has gone: omq cannot tell when the
 * kernel took it, so treat it as no longer yours (sending the same unchanged buffer again is
 * fine). Elsewhere (an IO thread, inproc) the frame is copied as any other. The mark holds for
 * one send(): pass zeroCopy(frame) again to give it up again.
 *
 * Returns the frame as a Uint8Array (the same object when it is one), which is what carries the
 * mark: pass that to send().
 *
 * @example
 * await push.send(zeroCopy(image))
 * await push.send([header, zeroCopy(body)])
 */
export function zeroCopy(frame: ArrayBufferView | ArrayBuffer | SharedArrayBuffer): Uint8Array {
  const bytes =
    frame instanceof Uint8Array
      ? frame
      : ArrayBuffer.isView(frame)
        ? new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength)
        : new Uint8Array(frame)
  marked.add(bytes)
  return bytes
}

/**
 * Called by send() on its thread for each frame: a frame zeroCopy() marked loses its mark, and
 * the message gets a view of its own that carries it. Other frames come back as they are.
 */
export function claimGivenUp(frame: Uint8Array): Uint8Array {
  if (frame.byteLength < GIVEN_UP_FROM || !marked.delete(frame)) return frame
  const view = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength)
  claimed.add(view)
  return view
}

/** Whether this frame of a message was given up by the application (see zeroCopy). */
export function isGivenUp(frame: Uint8Array): boolean {
  return claimed.has(frame)
}
