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
let disabled = false

/**
 * Starts loading libsodium on this thread (once); resolves true when boxes now go through it,
 * false when it cannot load here (tweetnacl then serves for good).
 */
export function loadSodium(): Promise<boolean> {
  if (disabled) return Promise.resolve(false)
  loading ??= import("libsodium-wrappers")
    .then(async (module) => {
      const wrappers = module.default as unknown as { ready: Promise<void>; libsodium?: unknown }
      await wrappers.ready
      const lib = wrappers.libsodium as SodiumModule | undefined
      if (!disabled && typeof lib?._crypto_secretbox_easy === "function") sodium = lib
      return sodium !== null
    })
    // Cannot load here (no WebAssembly, no module): tweetnacl serves for good.
    .catch(() => false)
  return loading
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

// One scratch area in libsodium's memory: key (32), nonce (24), then input and output. Kept up
// to KEEP_BYTES; a larger message gets an area of its own, freed after the call. Owned by this
// thread, used by one call at a time; the key is wiped after each call.
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
