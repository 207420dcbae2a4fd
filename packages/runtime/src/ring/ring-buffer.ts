/**
 * A single-producer / single-consumer byte ring in a SharedArrayBuffer.
 *
 * One thread writes records, one thread reads them; both may be the same thread. Records are
 * variable-sized, 4-byte aligned and never split: a record that does not fit before the end of
 * the data area is preceded by a PAD marker and written at offset 0.
 *
 *   SharedArrayBuffer
 *   +---------------------------- header: 8 x Int32 ----------------------------+--- data ---+
 *   | WRITE | READ | READER_SLEEP | READER_BELL | WRITER_SLEEP | WRITER_BELL | CLOSED | MOVED | bytes... |
 *   +---------------------------------------------------------------------------+------------+
 *
 * WRITE / READ are byte counters that wrap at 2^32 (only their difference matters); the writer
 * alone stores WRITE, the reader alone stores READ.
 *
 * Wake-ups (see shared/THREADS-NOTES.md, "lost wake-up"): a side that is about to sleep stores a
 * fresh non-zero epoch in its SLEEP slot, re-checks the ring, then waits on its BELL counter. The
 * other side rings the bell (add + notify) once per epoch it sees, so a burst of records costs one
 * notify. Only the sleeper ever clears its own SLEEP slot. Sleeping uses Atomics.waitAsync, never
 * Atomics.wait: every thread here runs an event loop.
 *
 * A writer that outgrows its ring moves on to a bigger one (see Outbox): it sets MOVED after its
 * last record here, and the reader, once it has read everything before MOVED, follows it.
 *
 * When both sides live on one thread (a context without IO threads), a waitAsync wake-up costs
 * more than it needs to: the waker schedules the sleeper itself instead (see wakeHere).
 */

import { wakeHere } from "./wake-here.js"

const WRITE = 0
const READ = 1
const READER_SLEEP = 2
const READER_BELL = 3
const WRITER_SLEEP = 4
const WRITER_BELL = 5
const CLOSED = 6
const MOVED = 7
const HEADER_BYTES = 32

/** What RingReader.next() returns when the writer has moved on to another ring. */
export const MOVED_ON = -2

enum Fit {
  None,
  InPlace,
  Wrapped,
}

/** Length word that marks "skip to the start of the data area". */
const PAD = 0xffffffff

export interface RingHandle {
  readonly sab: SharedArrayBuffer
}

/** Creates the shared memory for a ring whose data area holds `capacity` bytes (power of two). */
export function createRing(capacity: number): RingHandle {
  if (capacity < 64 || (capacity & (capacity - 1)) !== 0) {
    throw new RangeError(`ring capacity must be a power of two >= 64, got ${capacity}`)
  }
  return { sab: new SharedArrayBuffer(HEADER_BYTES + capacity) }
}

/**
 * Same-thread wake-ups. This module's state is per thread, so a ring whose reader and writer
 * were both made here has both sides on this thread, and a side that sleeps leaves its wake
 * function here (indexed by its bell slot) for the other side to schedule.
 */
const sidesHere = new WeakMap<SharedArrayBuffer, number>()
const sleepersHere = new WeakMap<SharedArrayBuffer, Array<(() => void) | undefined>>()

/** What waitForData()/waitForSpace() return when there is no need to wait. */
const NO_WAIT: Promise<void> = Promise.resolve()

/**
 * Sleeping runs once per burst on every ring, so it allocates little: a same-thread sleep
 * nothing, a cross-thread one the promise of its waitAsync (round trips measured ~1 KiB of
 * garbage per sleep as an async function, and the young-generation GCs it costs are what the
 * latency tail is made of).
 */
class RingSide {
  readonly #sab: SharedArrayBuffer
  protected readonly header: Int32Array
  readonly bytes: Uint8Array
  readonly view: DataView
  readonly capacity: number
  protected epoch = 0
  protected rungEpoch = 0
  /** The SLEEP slot of the current sleep, and what to call when it ends. */
  #sleepSlot = 0
  #then: (() => void) | null = null
  /** Ends the current sleep. Only the sleeper clears its SLEEP slot (see the lost wake-up). */
  readonly #wake = (): void => {
    Atomics.store(this.header, this.#sleepSlot, 0)
    const then = this.#then
    this.#then = null
    then?.()
  }

  constructor(handle: RingHandle) {
    this.#sab = handle.sab
    sidesHere.set(handle.sab, (sidesHere.get(handle.sab) ?? 0) + 1)
    this.header = new Int32Array(handle.sab, 0, HEADER_BYTES / 4)
    this.capacity = handle.sab.byteLength - HEADER_BYTES
    this.bytes = new Uint8Array(handle.sab, HEADER_BYTES, this.capacity)
    this.view = new DataView(handle.sab, HEADER_BYTES, this.capacity)
  }

  /** Marks the ring closed and wakes both sides, so no sleeper is left behind. */
  close(): void {
    Atomics.store(this.header, CLOSED, 1)
    Atomics.add(this.header, READER_BELL, 1)
    Atomics.notify(this.header, READER_BELL)
    Atomics.add(this.header, WRITER_BELL, 1)
    Atomics.notify(this.header, WRITER_BELL)
    const sleepers = sleepersHere.get(this.#sab)
    sleepersHere.delete(this.#sab)
    for (const wake of sleepers ?? []) if (wake) wakeHere(wake) // later, as any wake-up
  }

  get closed(): boolean {
    return Atomics.load(this.header, CLOSED) === 1
  }

  /** Rings the other side's bell once per sleep epoch it announces. */
  protected ring(sleepSlot: number, bellSlot: number): void {
    const sleeping = Atomics.load(this.header, sleepSlot)
    if (sleeping !== 0 && sleeping !== this.rungEpoch) {
      this.rungEpoch = sleeping
      const sleepers = sleepersHere.get(this.#sab)
      const wake = sleepers?.[bellSlot]
      if (wake) {
        sleepers![bellSlot] = undefined
        wakeHere(wake)
        return
      }
      Atomics.add(this.header, bellSlot, 1)
      Atomics.notify(this.header, bellSlot)
    }
  }

  /**
   * Sleeps until the other side rings, unless `ready()` turns true after announcing the sleep.
   * Returns false when there is no need to wait; otherwise `then` runs once the sleep ends.
   * `ready` and `then` should be functions made once, not per call.
   */
  protected sleep(
    sleepSlot: number,
    bellSlot: number,
    ready: () => boolean,
    then: () => void,
  ): boolean {
    this.epoch = this.epoch === 0x7fffffff ? 1 : this.epoch + 1
    const bell = Atomics.load(this.header, bellSlot)
    Atomics.store(this.header, sleepSlot, this.epoch)
    if (ready() || this.closed) {
      Atomics.store(this.header, sleepSlot, 0)
      return false
    }
    this.#sleepSlot = sleepSlot
    this.#then = then
    // Asked now, not at construction: the other side may be made after this one.
    if (sidesHere.get(this.#sab) === 2) {
      const sleepers = sleepersHere.get(this.#sab) ?? []
      sleepersHere.set(this.#sab, sleepers)
      sleepers[bellSlot] = this.#wake
      return true
    }
    const result = Atomics.waitAsync(this.header, bellSlot, bell)
    if (!result.async) {
      // The bell rang in between: no sleep after all.
      this.#then = null
      Atomics.store(this.header, sleepSlot, 0)
      return false
    }
    void result.value.then(this.#wake)
    return true
  }

  /** sleep() as a promise, for callers that are not on a hot path. */
  protected sleepPromise(sleepSlot: number, bellSlot: number, ready: () => boolean): Promise<void> {
    let resolve!: () => void
    const woken = new Promise<void>((r) => {
      resolve = r
    })
    return this.sleep(sleepSlot, bellSlot, ready, resolve) ? woken : NO_WAIT
  }
}

/** The producing side. */
export class RingWriter extends RingSide {
  #write: number

  constructor(handle: RingHandle) {
    super(handle)
    this.#write = Atomics.load(this.header, WRITE) >>> 0
  }

  /**
   * Reserves `size` contiguous bytes and returns their offset in `bytes`, or -1 when the ring
   * has no room now. The record becomes visible to the reader only at `commit()`.
   */
  reserve(size: number): number {
    const need = (size + 3) & ~3
    const at = this.#write & (this.capacity - 1)
    const fit = this.#fit(need, at)
    if (fit === Fit.None) return -1
    if (fit === Fit.InPlace) return at
    // Wrap: the tail is wasted behind a PAD marker.
    this.view.setUint32(at, PAD, true)
    this.#write = (this.#write + (this.capacity - at)) >>> 0
    return 0
  }

  #fit(need: number, at: number): Fit {
    const used = (this.#write - (Atomics.load(this.header, READ) >>> 0)) >>> 0
    const tail = this.capacity - at
    if (need <= tail) return used + need <= this.capacity ? Fit.InPlace : Fit.None
    return used + tail + need <= this.capacity ? Fit.Wrapped : Fit.None
  }

  /** Publishes a record of `size` bytes written at the offset `reserve()` returned. */
  commit(size: number): void {
    this.#write = (this.#write + ((size + 3) & ~3)) >>> 0
    Atomics.store(this.header, WRITE, this.#write | 0)
    this.ring(READER_SLEEP, READER_BELL)
  }

  /**
   * Ends this ring: the writer goes on in another one. Everything committed here is still read
   * first; then the reader's next() says MOVED_ON.
   */
  moveOn(): void {
    Atomics.store(this.header, MOVED, 1)
    this.ring(READER_SLEEP, READER_BELL)
  }

  /** Resolves once the reader has freed space (or the ring closed); the caller retries. */
  waitForSpace(size: number): Promise<void> {
    this.#need = (size + 3) & ~3
    return this.sleepPromise(WRITER_SLEEP, WRITER_BELL, this.#hasSpace)
  }

  /** The record size waitForSpace() waits for. */
  #need = 0
  readonly #hasSpace = (): boolean =>
    this.#fit(this.#need, this.#write & (this.capacity - 1)) !== Fit.None
}

/** The consuming side. */
export class RingReader extends RingSide {
  #read: number

  constructor(handle: RingHandle) {
    super(handle)
    this.#read = Atomics.load(this.header, READ) >>> 0
  }

  /**
   * Offset in `bytes` of the next record, -1 when the ring is empty, or MOVED_ON when it is
   * empty for good because the writer went on in another ring. The record's first 4 bytes are
   * its length as the writer sized it; the reader calls `advance(length)` after it.
   */
  next(): number {
    const write = Atomics.load(this.header, WRITE) >>> 0
    if (write === this.#read) {
      if (Atomics.load(this.header, MOVED) === 0) return -1
      // MOVED was stored after the last WRITE: look once more before leaving the ring.
      return Atomics.load(this.header, WRITE) >>> 0 === this.#read ? MOVED_ON : this.next()
    }
    const at = this.#read & (this.capacity - 1)
    if (this.view.getUint32(at, true) === PAD) {
      this.#read = (this.#read + (this.capacity - at)) >>> 0
      return this.next()
    }
    return at
  }

  /** Consumes a record of `size` bytes locally; `release()` hands the space back. */
  advance(size: number): void {
    this.#read = (this.#read + ((size + 3) & ~3)) >>> 0
  }

  /** Publishes everything consumed so far and wakes a writer that waits for space. */
  release(): void {
    Atomics.store(this.header, READ, this.#read | 0)
    this.ring(WRITER_SLEEP, WRITER_BELL)
  }

  /** Resolves when a record may be available (or the ring closed). */
  waitForData(): Promise<void> {
    return this.sleepPromise(READER_SLEEP, READER_BELL, this.#hasData)
  }

  /**
   * waitForData() without a promise: false when a record may be there now; otherwise true,
   * and `then` runs once one may be (or the ring closed).
   */
  whenData(then: () => void): boolean {
    return this.sleep(READER_SLEEP, READER_BELL, this.#hasData, then)
  }

  readonly #hasData = (): boolean =>
    Atomics.load(this.header, WRITE) >>> 0 !== this.#read || Atomics.load(this.header, MOVED) === 1
}
