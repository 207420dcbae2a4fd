import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto"
import { useX25519 } from "@omq/transport/zmtp"

// Raw 32-byte X25519 keys wrapped as DER (PKCS#8 and SPKI), the forms node:crypto takes.
const PRIVATE_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex")
const PUBLIC_PREFIX = Buffer.from("302a300506032b656e032100", "hex")

/**
 * Imported keys, by their bytes. Importing a private key costs a scalar multiplication (OpenSSL
 * derives its public half), as much as the Diffie-Hellman itself: a socket's long-term key, a
 * server's public key and each handshake's transient key are each imported once. Bounded, the
 * oldest forgotten first.
 */
const CACHED_KEYS = 256
const keys = new Map<string, KeyObject>()
/**
 * A handshake's transient secret is used twice (CURVE needs two box keys from it), then
 * forgotten: it must not outlive its handshake in a cache (forward secrecy).
 */
const transientUses = new Map<string, number>()
const TRANSIENT_USES = 2

const idOf = (raw: Uint8Array, kind: string): string =>
  kind + Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1")

function cached(raw: Uint8Array, kind: "private" | "public", make: () => KeyObject): KeyObject {
  const id = idOf(raw, kind)
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
    key = make()
    if (keys.size >= CACHED_KEYS) {
      const oldest = keys.keys().next().value!
      keys.delete(oldest)
      transientUses.delete(oldest)
    }
  }
  keys.set(id, key)
  return key
}

const privateKey = (raw: Uint8Array): KeyObject =>
  cached(raw, "private", () =>
    createPrivateKey({ key: Buffer.concat([PRIVATE_PREFIX, raw]), format: "der", type: "pkcs8" }),
  )
const publicKey = (raw: Uint8Array): KeyObject =>
  cached(raw, "public", () =>
    createPublicKey({ key: Buffer.concat([PUBLIC_PREFIX, raw]), format: "der", type: "spki" }),
  )
const rawOf = (der: Buffer): Uint8Array => new Uint8Array(der.subarray(der.byteLength - 32))

/**
 * CURVE's scalar multiplications through Node's OpenSSL (about 10× tweetnacl's): installed on
 * every thread that loads omq's sockets or IO workers. Boxes stay tweetnacl's.
 */
export function installNodeX25519(): void {
  useX25519({
    keyPair() {
      const pair = generateKeyPairSync("x25519")
      const secretKey = rawOf(pair.privateKey.export({ format: "der", type: "pkcs8" }))
      const id = idOf(secretKey, "private")
      keys.set(id, pair.privateKey)
      transientUses.set(id, TRANSIENT_USES)
      return { publicKey: rawOf(pair.publicKey.export({ format: "der", type: "spki" })), secretKey }
    },
    sharedSecret(theirPublic, mySecret) {
      return diffieHellman({ privateKey: privateKey(mySecret), publicKey: publicKey(theirPublic) })
    },
  })
}

installNodeX25519()
