/**
 * Which library seals CURVE boxes on this thread: tweetnacl from the start, libsodium
 * (WebAssembly, ~3× faster per box; BENCHMARKS.md, Issue 9) once it has loaded.
 *
 * libsodium can only be used after an asynchronous start, and CURVE's calls are synchronous, so
 * the first CURVE key operation on a thread starts loading it and tweetnacl serves until it is
 * ready. Both make the same bytes (XSalsa20-Poly1305, tested), so a connection may change
 * library between two messages. Threads that never speak CURVE never load it. Pure: a dynamic
 * import only, no `node:` module.
 *
 * Module state is per thread (each worker has its own copy of this module).
 */

import { copyBytes } from "./copy-bytes.js"

/**
 * libsodium's Emscripten module, which libsodium-wrappers exports as `libsodium`. Boxes are
 * sealed in its memory directly: the wrapper functions allocate, check and copy four times per
 * call, which made sealing 1 KiB 2.5× slower here (bench/curve-crypto.js).
 */
interface SodiumModule {
  HEAPU8: Uint8Array
  _malloc(size: number): number
  _free(address: number): void
  /** (out, message, length low, length high, nonce, key) → 0 */
  _crypto_secretbox_easy(c: number, m: number, lo: number, hi: number, n: number, k: number): number
  /** (out, box, length low, length high, nonce, key) → 0, or -1 when the MAC fails */
  _crypto_secretbox_open_easy(
    m: number,
    c: number,
    lo: number,
    hi: number,
    n: number,
    k: number,
  ): number
}

let sodium: SodiumModule | null = null
let loading: Promise<boolean> | null = null
/** Whether `loading` has settled (libsodium ready, or not loadable here). */
let loaded = false
let disabled = false

/**
 * Starts loading libsodium on this thread (once); resolves true when boxes now go through it,
 * false when it cannot load here (tweetnacl then serves for good).
 */
export function loadSodium(): Promise<boolean> {
  if (disabled) return Promise.resolve(false)
  if (loading) return loading
  loaded = false
  loading = import("libsodium-wrappers")
    .then(async (module) => {
      const wrappers = module.default as unknown as { ready: Promise<void>; libsodium?: unknown }
      await wrappers.ready
      const lib = wrappers.libsodium as SodiumModule | undefined
      if (!disabled && typeof lib?._crypto_secretbox_easy === "function") sodium = lib
      return sodium !== null
    })
    // Cannot load here (no WebAssembly, no module): tweetnacl serves for good.
    .catch(() => false)
    .finally(() => {
      loaded = true
    })
  return loading
}

/** While libsodium is still loading on this thread, the promise that settles once it has. */
export function sodiumLoading(): Promise<boolean> | null {
  return loading && !loaded && !disabled ? loading : null
}

/**
 * Turns libsodium off (true) or back on (false) on this thread: for tests and benchmarks that
 * compare the two libraries.
 */
export function disableSodium(off: boolean): void {
  disabled = off
  if (off) sodium = null
  else loading = null
}

/** The library sealing boxes on this thread right now. */
export function secretboxLibrary(): "libsodium" | "tweetnacl" {
  return sodium ? "libsodium" : "tweetnacl"
}

// One scratch area in libsodium's memory, for the boxes of the handshake: key (32), nonce (24),
// then input and output; MESSAGE boxes use its data part only (their key is a ResidentKey).
// Kept up to KEEP_BYTES; a larger box gets an area of its own, freed after the call. Owned by
// this thread, used by one call at a time; the key is wiped after each call.
const KEY_AT = 0
const NONCE_AT = 32
const DATA_AT = 56
const KEEP_BYTES = 1 << 20
let scratch = 0
let scratchSize = 0

/** An area of at least `bytes` in libsodium's memory, or 0 when it cannot grow that far. */
function scratchFor(lib: SodiumModule, bytes: number): number {
  if (bytes > KEEP_BYTES) return lib._malloc(bytes)
  if (bytes > scratchSize) {
    if (scratch) lib._free(scratch)
    scratchSize = Math.min(KEEP_BYTES, Math.max(4096, bytes * 2))
    scratch = lib._malloc(scratchSize)
    if (!scratch) scratchSize = 0
  }
  return scratch
}

function doneWith(lib: SodiumModule, at: number, bytes: number): void {
  lib.HEAPU8.fill(0, at + KEY_AT, at + NONCE_AT)
  if (bytes > KEEP_BYTES) lib._free(at)
}

/**
 * Seals `flags` (when ≥ 0) and `body` with libsodium, into a new array that has `room` bytes in
 * front for the caller, then the MAC, then the ciphertext. Null while libsodium is not ready.
 */
export function sodiumSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  flags: number,
  body: Uint8Array,
  room: number,
): Uint8Array | null {
  const lib = sodium
  if (!lib) return null
  const length = (flags >= 0 ? 1 : 0) + body.byteLength
  const bytes = DATA_AT + 2 * length + 16
  const at = scratchFor(lib, bytes)
  if (!at) return null
  const heap = lib.HEAPU8 // read after any growth: growing detaches the old view
  heap.set(key, at + KEY_AT)
  heap.set(nonce, at + NONCE_AT)
  const message = at + DATA_AT
  if (flags >= 0) heap[message] = flags
  heap.set(body, message + length - body.byteLength)
  const boxed = message + length
  lib._crypto_secretbox_easy(boxed, message, length, 0, at + NONCE_AT, at + KEY_AT)
  const out = new Uint8Array(room + 16 + length)
  out.set(heap.subarray(boxed, boxed + 16 + length), room)
  doneWith(lib, at, bytes)
  return out
}

/**
 * Opens MAC + ciphertext with libsodium: the plaintext, "fail" when the MAC does not verify,
 * or null while libsodium is not ready.
 */
export function sodiumOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  boxed: Uint8Array,
): Uint8Array | "fail" | null {
  const lib = sodium
  if (!lib) return null
  if (boxed.byteLength < 16) return "fail"
  const length = boxed.byteLength - 16
  const bytes = DATA_AT + boxed.byteLength + length
  const at = scratchFor(lib, bytes)
  if (!at) return null
  const heap = lib.HEAPU8
  heap.set(key, at + KEY_AT)
  heap.set(nonce, at + NONCE_AT)
  const input = at + DATA_AT
  heap.set(boxed, input)
  const plain = input + boxed.byteLength
  const status = lib._crypto_secretbox_open_easy(
    plain,
    input,
    boxed.byteLength,
    0,
    at + NONCE_AT,
    at + KEY_AT,
  )
  const opened = status === 0 ? heap.slice(plain, plain + length) : "fail"
  doneWith(lib, at, bytes)
  return opened
}

/** MAC bytes in front of a box's ciphertext. */
const MAC = 16
/** Where a ResidentKey keeps its key and its two nonces (see the class). */
const RESIDENT_SEND = 32
const RESIDENT_RECEIVE = 56
const RESIDENT_BYTES = 80

/**
 * One connection's MESSAGE box key and its two nonces, kept in libsodium's memory for the
 * connection's life: a box then copies in its 8-byte counter, not 56 bytes of key and nonce
 * plus a wipe. Made, used and released on the connection's thread; release() wipes it.
 *
 *   at + 0    key (32)
 *   at + 32   send nonce (24): 16-byte prefix, 8-byte counter
 *   at + 56   receive nonce (24): 16-byte prefix, 8-byte counter
 *
 * Boxes are sealed and opened in place in the thread's scratch area: libsodium allows the
 * plaintext to lie where the ciphertext goes (16 bytes past the MAC).
 */
export class ResidentKey {
  readonly #lib: SodiumModule
  #at: number

  private constructor(lib: SodiumModule, at: number) {
    this.#lib = lib
    this.#at = at
  }

  /** The key and nonce prefixes placed; null while libsodium is not ready (or out of memory). */
  static make(
    key: Uint8Array,
    sendNonce: Uint8Array,
    receiveNonce: Uint8Array,
  ): ResidentKey | null {
    const lib = sodium
    if (!lib) return null
    const at = lib._malloc(RESIDENT_BYTES)
    if (!at) return null
    const heap = lib.HEAPU8
    heap.set(key, at)
    heap.set(sendNonce, at + RESIDENT_SEND)
    heap.set(receiveNonce, at + RESIDENT_RECEIVE)
    return new ResidentKey(lib, at)
  }

  /**
   * Seals `flags` then `body` under the send nonce whose counter is `counter` (8 bytes), writing
   * MAC + ciphertext (17 + body bytes) into `target` from `targetAt`. False when it cannot
   * (libsodium turned off, released, no scratch memory): the caller seals another way.
   */
  sealInto(
    counter: Uint8Array,
    flags: number,
    body: Uint8Array,
    target: Uint8Array,
    targetAt: number,
  ): boolean {
    const lib = this.#lib
    if (lib !== sodium || !this.#at) return false
    const length = 1 + body.byteLength
    const bytes = MAC + length
    const boxed = scratchFor(lib, bytes)
    if (!boxed) return false
    const heap = lib.HEAPU8 // read after any growth: growing detaches the old view
    const key = this.#at
    heap.set(counter, key + RESIDENT_SEND + 16)
    heap[boxed + MAC] = flags
    copyBytes(heap, body, boxed + MAC + 1) // from a ring's shared memory on an IO thread
    lib._crypto_secretbox_easy(boxed, boxed + MAC, length, 0, key + RESIDENT_SEND, key)
    target.set(heap.subarray(boxed, boxed + bytes), targetAt)
    if (bytes > KEEP_BYTES) lib._free(boxed)
    return true
  }

  /**
   * Opens `box` (MAC + ciphertext) under the receive nonce whose counter is `counter`: copies
   * the plaintext after its first byte into `target` (box − 17 bytes) and returns that first
   * byte; -1 when the MAC does not verify (nothing copied), -2 when it cannot (as sealInto).
   */
  openInto(counter: Uint8Array, box: Uint8Array, target: Uint8Array): number {
    const lib = this.#lib
    if (lib !== sodium || !this.#at) return -2
    const bytes = box.byteLength
    if (bytes < MAC + 1) return -1
    const boxed = scratchFor(lib, bytes)
    if (!boxed) return -2
    const heap = lib.HEAPU8
    const key = this.#at
    heap.set(counter, key + RESIDENT_RECEIVE + 16)
    copyBytes(heap, box, boxed)
    const plain = boxed + MAC
    const status = lib._crypto_secretbox_open_easy(
      plain,
      boxed,
      bytes,
      0,
      key + RESIDENT_RECEIVE,
      key,
    )
    let first = -1
    if (status === 0) {
      first = heap[plain]!
      target.set(heap.subarray(plain + 1, boxed + bytes))
    }
    if (bytes > KEEP_BYTES) lib._free(boxed)
    return first
  }

  /** The connection ended: the key is wiped and its memory freed. Later calls do nothing. */
  release(): void {
    const at = this.#at
    if (!at) return
    this.#at = 0
    this.#lib.HEAPU8.fill(0, at, at + RESIDENT_BYTES)
    this.#lib._free(at)
  }
}
