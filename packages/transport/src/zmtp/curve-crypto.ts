/**
 * The NaCl primitives CURVE (RFC 26) is built from, over tweetnacl: X25519 key pairs,
 * `crypto_box_beforenm`, and XSalsa20-Poly1305 secretbox with a precomputed key. Pure: no
 * `node:` imports, randomness from `globalThis.crypto`, so it runs in browsers too.
 *
 * Why tweetnacl (see BENCHMARKS.md, Issue 9): audited, synchronous (libsodium must be awaited
 * first), 171 KiB installed, and the fastest pure-JS candidate on small messages. Boxes move to
 * libsodium once it has loaded (secretbox-backend.ts): the first key operation starts that.
 *
 * Boxes use NaCl's "easy" layout, which is what goes on the wire in CURVE: a 16-byte Poly1305
 * MAC, then the ciphertext, as long as the plaintext.
 */
import nacl from "tweetnacl"
import { ZmtpError } from "./errors.js"
import { loadSodium, sodiumOpen, sodiumSeal } from "./secretbox-backend.js"

/** Bytes in an X25519 public or secret key, and in a precomputed box key. */
export const CURVE_KEY_SIZE = 32
/** Bytes in an XSalsa20 nonce. */
export const NONCE_SIZE = 24
/** Bytes a box adds to its plaintext: the Poly1305 MAC in front. */
export const BOX_OVERHEAD = 16

/**
 * X25519 done natively, when the host runtime offers it (Node's OpenSSL is ~10× faster than
 * tweetnacl's scalar multiplication, which dominates a CURVE handshake). The pure core cannot
 * import it; the runtime installs it with useX25519.
 */
export interface X25519 {
  keyPair(): { publicKey: Uint8Array; secretKey: Uint8Array }
  /** The raw X25519 result; throws on a small-order public key. */
  sharedSecret(theirPublic: Uint8Array, mySecret: Uint8Array): Uint8Array
}

let native: X25519 | null = null

/** Installs (or, with null, removes) a native X25519 for this thread. */
export function useX25519(x25519: X25519 | null): void {
  native = x25519
}

/** HSalsa20's constant and zero input: crypto_box_beforenm = HSalsa20(X25519 result). */
const SIGMA = Uint8Array.from("expand 32-byte k", (c) => c.charCodeAt(0))
const ZERO16 = new Uint8Array(16)

/** tweetnacl's NaCl-layout primitives (not in its typings): 32 bytes of padding in front. */
const lowlevel = (
  nacl as unknown as {
    lowlevel: {
      crypto_secretbox(
        c: Uint8Array,
        m: Uint8Array,
        d: number,
        n: Uint8Array,
        k: Uint8Array,
      ): number
      crypto_secretbox_open(
        m: Uint8Array,
        c: Uint8Array,
        d: number,
        n: Uint8Array,
        k: Uint8Array,
      ): number
      crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): number
    }
  }
).lowlevel

/** A fresh X25519 key pair, the secret from `globalThis.crypto` (or the native one). */
export function curveKeyPairBytes(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  void loadSodium()
  if (native) return native.keyPair()
  const secretKey = randomBytes(CURVE_KEY_SIZE)
  return { publicKey: publicKeyOf(secretKey), secretKey }
}

/** The public key of an X25519 secret key (scalar multiplication of the base point). */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  checkLength(secretKey, CURVE_KEY_SIZE, "secret key")
  return nacl.scalarMult.base(secretKey)
}

// A peer public key of small order gives an all-zero X25519 result, so the box key would be
// HSalsa20 of zeros, known to anyone. libsodium refuses such keys; tweetnacl does not, so we
// compare with that constant. Made on first use with HSalsa20 alone: box.before(0, 0) gives
// the same bytes (X25519 of u = 0 is 0, tested) but its scalar multiplication, run cold on a
// thread's first handshake, took ~12 ms here.
let weakKey: Uint8Array | undefined

/**
 * NaCl's `crypto_box_beforenm`: the 32-byte key that `crypto_box(…, theirPublic, mySecret)`
 * uses, computed once per key pair so each message costs one secretbox only.
 * Throws a ZmtpError (EPROTO) when `theirPublic` is a small-order point.
 */
export function boxKey(theirPublic: Uint8Array, mySecret: Uint8Array): Uint8Array {
  checkLength(theirPublic, CURVE_KEY_SIZE, "public key")
  checkLength(mySecret, CURVE_KEY_SIZE, "secret key")
  void loadSodium()
  let key: Uint8Array
  if (native) {
    let shared: Uint8Array
    try {
      shared = native.sharedSecret(theirPublic, mySecret)
    } catch {
      throw new ZmtpError("EPROTO", "CURVE public key is a small-order point")
    }
    key = new Uint8Array(32)
    lowlevel.crypto_core_hsalsa20(key, ZERO16, shared, SIGMA)
  } else {
    key = nacl.box.before(theirPublic, mySecret)
  }
  if (!weakKey) {
    weakKey = new Uint8Array(CURVE_KEY_SIZE)
    lowlevel.crypto_core_hsalsa20(weakKey, ZERO16, new Uint8Array(CURVE_KEY_SIZE), SIGMA)
  }
  // No early exit: the time taken must not depend on the key.
  let diff = 0
  for (let i = 0; i < CURVE_KEY_SIZE; i++) diff |= key[i]! ^ weakKey[i]!
  if (diff === 0) throw new ZmtpError("EPROTO", "CURVE public key is a small-order point")
  return key
}

/** Secretbox with a box key: returns MAC (16 bytes) + ciphertext. */
export function seal(key: Uint8Array, nonce24: Uint8Array, plain: Uint8Array): Uint8Array {
  checkLength(key, CURVE_KEY_SIZE, "box key")
  checkLength(nonce24, NONCE_SIZE, "nonce")
  return sodiumSeal(key, nonce24, -1, plain, 0) ?? nacl.secretbox(plain, nonce24, key)
}

/** Opens what `seal` made; null when the MAC does not verify (wrong key, nonce or bytes). */
export function open(key: Uint8Array, nonce24: Uint8Array, boxed: Uint8Array): Uint8Array | null {
  checkLength(key, CURVE_KEY_SIZE, "box key")
  checkLength(nonce24, NONCE_SIZE, "nonce")
  if (boxed.length < BOX_OVERHEAD) return null
  const opened = sodiumOpen(key, nonce24, boxed)
  if (opened === "fail") return null
  return opened ?? nacl.secretbox.open(boxed, nonce24, key)
}

/** Bytes at the front of a box made by `sealFramed` left for the caller's header. */
export const FRAMED_HEADER = 16
/** NaCl's padding in front of a plaintext: the header room, then the MAC's place. */
const FRAMED_PAD = FRAMED_HEADER + BOX_OVERHEAD

/**
 * Seals `flags` + `body` into NaCl's padded layout, which is CURVE's MESSAGE layout: the
 * result's first 16 bytes are left for the caller's header (name and short nonce), then the
 * MAC, then the ciphertext. The hot path of every CURVE message.
 */
export function sealFramed(
  key: Uint8Array,
  nonce24: Uint8Array,
  flags: number,
  body: Uint8Array,
): Uint8Array {
  const sealed = sodiumSeal(key, nonce24, flags, body, FRAMED_HEADER)
  if (sealed) return sealed
  const plain = new Uint8Array(FRAMED_PAD + 1 + body.byteLength)
  plain[FRAMED_PAD] = flags
  plain.set(body, FRAMED_PAD + 1)
  const box = new Uint8Array(plain.byteLength)
  lowlevel.crypto_secretbox(box, plain, plain.byteLength, nonce24, key)
  return box
}

/**
 * Opens what `sealFramed` made (whatever its first 16 bytes hold): the plaintext, the flags
 * byte first and the body after it; null when the MAC does not verify.
 */
export function openFramed(
  key: Uint8Array,
  nonce24: Uint8Array,
  box: Uint8Array,
): Uint8Array | null {
  if (box.byteLength < FRAMED_PAD) return null
  const opened = sodiumOpen(key, nonce24, box.subarray(FRAMED_HEADER))
  if (opened === "fail") return null
  if (opened) return opened
  const plain = new Uint8Array(box.byteLength)
  if (lowlevel.crypto_secretbox_open(plain, box, box.byteLength, nonce24, key) !== 0) return null
  return plain.subarray(FRAMED_PAD)
}

/** Cryptographically strong random bytes (Web Crypto caps one call at 65,536 bytes). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let at = 0; at < n; at += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(at, Math.min(n, at + 65536)))
  }
  return out
}

function checkLength(bytes: Uint8Array, size: number, what: string): void {
  if (bytes.length !== size) {
    throw new RangeError(`CURVE ${what} must be ${size} bytes, got ${bytes.length}`)
  }
}
