/**
 * Shared memory for large frames that cross threads over a lane, kept for reuse. A fresh 1 MiB
 * allocation page-faults on every first touch, which made the sender's one copy run at ~1 GB/s;
 * memory that comes back (the IO side hands it back once the kernel has the bytes) copies at
 * memory speed.
 *
 * Owned by one thread; memory comes back over the lane.
 */
export class TransferPool {
  /** Free shared buffers by size class (a power of two). */
  readonly #free = new Map<number, SharedArrayBuffer[]>()
  /**
   * Free plain buffers by size class, for copies that never leave this thread (see take). Both
   * lists share one limit: a socket whose connections run on its thread and that also has
   * inproc pipes to other threads may keep fewer of one kind, and then allocates afresh.
   */
  readonly #freePlain = new Map<number, ArrayBuffer[]>()
  #bytes = 0
  /** Bytes handed out and not yet given back: the budget of large frames in flight. */
  #lent = 0
  readonly #limit: number
  /** Called when a buffer comes back (a sender waiting for budget may go on). */
  onReturn: () => void = () => {}

  constructor(limitBytes = 64 * 1024 * 1024) {
    this.#limit = limitBytes
  }

  /** Whether the large frames of a message fit the budget now (see hasRoomFor). */
  hasRoomForFrames(frames: readonly Uint8Array[], largeFrom: number): boolean {
    let large = 0
    for (const f of frames) if (f.byteLength >= largeFrom) large += f.byteLength
    return large === 0 || this.hasRoomFor(large)
  }

  /**
   * Whether `sizes` more bytes may be lent now. The budget bounds the memory of large frames
   * in flight to the IO side, and so keeps the copies in memory that was used before.
   */
  hasRoomFor(size: number): boolean {
    return this.#lent === 0 || this.#lent + sizeClass(size) <= this.#limit
  }

  /**
   * A view of `size` bytes over a buffer of its own, reused when one is free. Shared memory
   * unless `shared` is false: memory that stays on this thread (an in-thread host's copy, written
   * from here) is plain, since V8 copies into shared memory a word at a time with relaxed stores,
   * not with memcpy (a profiled ioThreads-0 sender at 64 KiB spent a quarter of its CPU there).
   */
  take(size: number, shared = true): Uint8Array {
    const cls = sizeClass(size)
    this.#lent += cls
    const buffer = (shared ? this.#free : this.#freePlain).get(cls)?.pop()
    if (buffer) {
      this.#bytes -= cls
      return new Uint8Array(buffer, 0, size)
    }
    return new Uint8Array(shared ? new SharedArrayBuffer(cls) : new ArrayBuffer(cls), 0, size)
  }

  /** Takes a buffer back (ignored when the pool is full or the size is not one of its classes). */
  put(buffer: ArrayBufferLike): void {
    const cls = buffer.byteLength
    this.#lent = Math.max(0, this.#lent - cls)
    if (cls === sizeClass(cls) && this.#bytes + cls <= this.#limit) {
      if (buffer instanceof SharedArrayBuffer) keep(this.#free, cls, buffer)
      else keep(this.#freePlain, cls, buffer as ArrayBuffer)
      this.#bytes += cls
    }
    this.onReturn()
  }
}

function keep<B>(free: Map<number, B[]>, cls: number, buffer: B): void {
  const list = free.get(cls)
  if (list) list.push(buffer)
  else free.set(cls, [buffer])
}

function sizeClass(size: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(size, 1)))
}
