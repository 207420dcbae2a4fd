/**
 * Frames the application gave up to send() (see zeroCopy). A WeakSet: a mark costs nothing once
 * the frame is collected. Read by the host on the socket's own thread (`ioThreads: 0`), which
 * is the only place a frame can be written to the kernel from the caller's memory.
 */
const givenUp = new WeakSet<Uint8Array>()

/**
 * Marks a frame as given up to the next send() it is passed to: a socket whose connections live
 * on its own thread (`ioThreads: 0`) writes a large frame (8 KiB and up) to the kernel straight
 * from this memory instead of copying it first, as zeromq.js does with every Buffer over 128
 * bytes. The memory must then not change until the message has gone: omq cannot tell when the
 * kernel took it, so treat it as no longer yours (sending the same unchanged buffer again is
 * fine). Elsewhere (an IO thread, inproc) the frame is copied as any other.
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
  givenUp.add(bytes)
  return bytes
}

/** Whether the application gave this frame up (see zeroCopy). */
export function isGivenUp(frame: Uint8Array): boolean {
  return givenUp.has(frame)
}
