/**
 * A single-producer / single-consumer byte ring in a SharedArrayBuffer.
 *
 * One thread writes records, one thread reads them; both may be the same thread. Records are
 * variable-sized, 8-byte aligned (see records.ts: frames' bytes too) and never split: a record that does not fit before the end of
 * the data area is preceded by a PAD marker and written at offset 0.
 *
 *   SharedArrayBuffer
 *   +---------------------------- header: 8 x Int32 ----------------------------+--- data ---+
 *   | WRITE | READ | READER_SLEEP | READER_BELL | WRITER_SLEEP | WRITER_BELL | CLOSED | - | bytes... |
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
 * The shared memory grows in place (a growable SharedArrayBuffer): positions wrap at the ring's
 * full capacity, but only the first `committed` bytes exist at first. The writer wraps early
 * (a PAD at the committed end) while the reader keeps up, and grows the memory only when a
 * record finds no room otherwise; it grows before it publishes the record, so a reader that
 * meets an offset past its views refreshes them. An idle ring so holds a few KiB, a busy one up
 * to its capacity, and nothing else has to travel between the threads for it.
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
const HEADER_BYTES = 32

/** Length word that marks "skip to the start of the data area". */
const PAD = 0xffffffff

export interface RingHandle {
  readonly sab: SharedArrayBuffer
}

/**
 * Creates the shared memory for a ring whose data area holds `capacity` bytes, of which the
 * first `committed` exist now (both powers of two; see the growth note above).
 */
export function createRing(committed: number, capacity = committed): RingHandle {
  for (const n of [committed, capacity]) {
    if (n < 64 || (n & (n - 1)) !== 0) {
      throw new RangeError(`ring sizes must be powers of two >= 64, got ${n}`)
    }
  }
  const sab = new SharedArrayBuffer(HEADER_BYTES + committed, {
    maxByteLength: HEADER_BYTES + Math.max(committed, capacity),
  })
  return { sab }
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
  /** Views of the committed data area; replaced when it grows (see refresh). */
  bytes!: Uint8Array
  view!: DataView
  /** Where positions wrap: the data area's full size. */
  readonly capacity: number
  /** Data bytes that exist now (the views' length). */
  committed = 0
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
    this.capacity = handle.sab.maxByteLength - HEADER_BYTES
    this.refresh()
  }

  /** Takes in growth of the data area (by the writer, on any thread). */
  protected refresh(): void {
    const committed = this.#sab.byteLength - HEADER_BYTES
    if (committed === this.committed) return
    this.committed = committed
    this.bytes = new Uint8Array(this.#sab, HEADER_BYTES, committed)
    this.view = new DataView(this.#sab, HEADER_BYTES, committed)
  }

  /** Grows the data area to at least `bytes` (a power of two, at most the capacity). */
  protected grow(bytes: number): void {
    let committed = this.committed * 2
    while (committed < bytes) committed *= 2
    this.#sab.grow(HEADER_BYTES + Math.min(committed, this.capacity))
    this.refresh()
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
   * has no room now. The record becomes visible to the reader only at `commit()`. Read `bytes`
   * and `view` after this call: it may grow them.
   */
  reserve(size: number): number {
    const need = (size + 7) & ~7
    const capacity = this.capacity
    for (;;) {
      const at = this.#write & (capacity - 1)
      const tail = capacity - at
      const used = (this.#write - (Atomics.load(this.header, READ) >>> 0)) >>> 0
      // While the memory can still grow, a record leaves 4 bytes after it for a PAD, so that
      // the next one can always wrap early instead of growing.
      const room = this.committed < capacity ? this.committed - 4 : capacity
      if (need <= tail && at + need <= room) {
        return used + need <= capacity ? at : -1
      }
      // Not here. While the reader is close behind, wrap to the start early (the rest is
      // skipped behind a PAD): the memory stays small. Once wrapped, the writer has only what
      // the reader freed before the PAD, so with the reader further behind, grow instead.
      const early = at + 4 <= this.committed && used + need <= this.committed >>> 2
      if ((early || this.committed >= capacity) && used + tail + need <= capacity) {
        this.view.setUint32(at, PAD, true)
        this.#write = (this.#write + tail) >>> 0
        return 0
      }
      if (this.committed >= capacity) return -1
      this.grow(Math.max(Math.min(at + need + 4, capacity), need))
    }
  }

  #fit(need: number): boolean {
    const used = (this.#write - (Atomics.load(this.header, READ) >>> 0)) >>> 0
    const at = this.#write & (this.capacity - 1)
    const tail = this.capacity - at
    return used + (need <= tail ? need : tail + need) <= this.capacity
  }

  /**
   * Publishes a record of `size` bytes written at the offset `reserve()` returned, and wakes a
   * sleeping reader unless `quiet`: then the next commit() or wake() does.
   */
  commit(size: number, quiet = false): void {
    this.#write = (this.#write + ((size + 7) & ~7)) >>> 0
    Atomics.store(this.header, WRITE, this.#write | 0)
    if (!quiet) this.ring(READER_SLEEP, READER_BELL)
  }

  /** Wakes the reader if it sleeps and has not been woken for this sleep (see commit). */
  wake(): void {
    this.ring(READER_SLEEP, READER_BELL)
  }

  /** Resolves once the reader has freed space (or the ring closed); the caller retries. */
  waitForSpace(size: number): Promise<void> {
    this.#need = (size + 7) & ~7
    return this.sleepPromise(WRITER_SLEEP, WRITER_BELL, this.#hasSpace)
  }

  /** The record size waitForSpace() waits for. */
  #need = 0
  readonly #hasSpace = (): boolean => this.#fit(this.#need)
}

/** The consuming side. */
export class RingReader extends RingSide {
  #read: number

  constructor(handle: RingHandle) {
    super(handle)
    this.#read = Atomics.load(this.header, READ) >>> 0
  }

  /**
   * Offset in `bytes` of the next record, or -1 when the ring is empty. The record's first
   * 4 bytes are its length as the writer sized it; the reader calls `advance(length)` after it.
   * Read `bytes` and `view` after this call: the writer may have grown them.
   */
  next(): number {
    const write = Atomics.load(this.header, WRITE) >>> 0
    if (write === this.#read) return -1
    const at = this.#read & (this.capacity - 1)
    if (at + 4 > this.committed) this.refresh()
    const length = this.view.getUint32(at, true)
    if (length === PAD) {
      this.#read = (this.#read + (this.capacity - at)) >>> 0
      return this.next()
    }
    if (at + length > this.committed) this.refresh()
    return at
  }

  /** Consumes a record of `size` bytes locally; `release()` hands the space back. */
  advance(size: number): void {
    this.#read = (this.#read + ((size + 7) & ~7)) >>> 0
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

  readonly #hasData = (): boolean => Atomics.load(this.header, WRITE) >>> 0 !== this.#read
}
