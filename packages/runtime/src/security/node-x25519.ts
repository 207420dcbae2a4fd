import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  randomBytes,
} from "node:crypto"
import { useX25519 } from "@omq/transport/zmtp"

// Runs on every thread that speaks CURVE (the socket's thread with ioThreads 0, else the IO
// worker), synchronously inside a handshake step.
//
// Key formats, measured on Node 20 / OpenSSL 3.0 (BENCHMARKS.md, Session 11): OpenSSL's DER
// decoders cost more than the scalar multiplication itself (a public key from SPKI 66 µs, a
// private key from PKCS#8 300 µs, each DER export ~40 µs, against 29 µs for the X25519), while
// JWK skips them (a public key in 5 µs, an export in 1 µs, a private key in ~32 µs: the
// scalar multiplication that derives its public half).
//
// Key pairs are not made with generateKeyPairSync: on Node 20, exporting such a key can
// deadlock the thread (KeyObjectHandle::ExportJWK holds the key's mutex while it allocates; a
// garbage collection then may run the finished KeyGenJob's destructor, which takes the same
// mutex: seen in a benchmark's server, stuck in futex_wait). A random secret imported as a JWK
// has no KeyGenJob behind it.
const PRIVATE_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex")

const base64url = (raw: Uint8Array): string =>
  Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64url")
const rawOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64url"))

/**
 * A JWK private key must carry a public half (`x`, a string), but Node 20, 22 and 24, Bun and
 * Deno all derive it from `d` and ignore `x`: so a raw secret imports as a JWK with `x` empty.
 * Checked once with RFC 7748's test vector (Alice's keys); where it fails, DER (PKCS#8).
 */
const jwkImportDerives = ((): boolean => {
  const d = Buffer.from("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "hex")
  const x = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
  try {
    const key = createPrivateKey({
      key: { kty: "OKP", crv: "X25519", d: d.toString("base64url"), x: "" },
      format: "jwk",
    })
    const derived = createPublicKey(key).export({ format: "jwk" }).x
    return Buffer.from(derived!, "base64url").toString("hex") === x
  } catch {
    return false
  }
})()

/** A private KeyObject from a raw 32-byte secret (see jwkImportDerives). */
function importPrivate(raw: Uint8Array): KeyObject {
  if (jwkImportDerives) {
    return createPrivateKey({
      key: { kty: "OKP", crv: "X25519", d: base64url(raw), x: "" },
      format: "jwk",
    })
  }
  const der = Buffer.concat([PRIVATE_PREFIX, raw])
  const key = createPrivateKey({ key: der, format: "der", type: "pkcs8" })
  der.fill(0)
  return key
}

/**
 * Imported private keys, by their bytes. Importing one costs a scalar multiplication (OpenSSL
 * derives its public half) besides the decoding: a socket's long-term key is imported once,
 * and a handshake's transient key never (its key pair is made here). Bounded, the oldest
 * forgotten first.
 */
const CACHED_KEYS = 256
const keys = new Map<string, KeyObject>()
/**
 * A handshake's transient secret is used twice (CURVE needs two box keys from it), then
 * forgotten: it must not outlive its handshake in a cache (forward secrecy).
 */
const transientUses = new Map<string, number>()
const TRANSIENT_USES = 2

const idOf = (raw: Uint8Array): string =>
  Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1")

function privateKey(raw: Uint8Array): KeyObject {
  const id = idOf(raw)
  const uses = transientUses.get(id)
  const transient = uses === undefined ? undefined : keys.get(id)
  if (transient) {
    if (uses! <= 1) {
      transientUses.delete(id)
      keys.delete(id)
    } else transientUses.set(id, uses! - 1)
    return transient
  }
  let key = keys.get(id)
  if (key) {
    keys.delete(id) // most recent last
  } else {
    key = importPrivate(raw)
  }
  remember(id, key)
  return key
}

/** How many private keys are cached (for tests: abandoned transient keys must not pile up). */
export const cachedKeyCount = (): number => keys.size

/** Caches `key` as the most recent; forgets the oldest beyond the bound (transient or not). */
function remember(id: string, key: KeyObject): void {
  if (keys.size >= CACHED_KEYS) {
    const oldest = keys.keys().next().value!
    keys.delete(oldest)
    transientUses.delete(oldest)
  }
  keys.set(id, key)
}

/** A peer's public key: each is used once or twice per handshake, and imports in ~5 µs. */
const publicKey = (raw: Uint8Array): KeyObject =>
  createPublicKey({
    key: { kty: "OKP", crv: "X25519", x: base64url(raw) },
    format: "jwk",
  })

/**
 * CURVE's scalar multiplications through Node's OpenSSL (about 10× tweetnacl's): installed on
 * every thread that loads omq's sockets or IO workers. Boxes stay tweetnacl's.
 */
export function installNodeX25519(): void {
  useX25519({
    keyPair() {
      // X25519 clamps the secret itself: any 32 random bytes are a secret key.
      const secretKey = new Uint8Array(randomBytes(32))
      const key = importPrivate(secretKey)
      const id = idOf(secretKey)
      remember(id, key)
      transientUses.set(id, TRANSIENT_USES)
      return { publicKey: rawOf(createPublicKey(key).export({ format: "jwk" }).x!), secretKey }
    },
    sharedSecret(theirPublic, mySecret) {
      return diffieHellman({ privateKey: privateKey(mySecret), publicKey: publicKey(theirPublic) })
    },
  })
}

installNodeX25519()
