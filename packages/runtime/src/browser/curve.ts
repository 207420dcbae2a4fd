import { CurveClient, curveKeyPairBytes, ZmqError, z85Decode, z85Encode } from "@omq/transport/zmtp"
import type { Security } from "./security.js"

/** A CURVE key: 40 characters of Z85 (as zeromq.js and libzmq print them) or 32 bytes. */
export type CurveKey = string | Uint8Array

export interface CurveClientOptions {
  /** The server's long-term public key. */
  serverKey: CurveKey
  /** This client's long-term key pair (curveKeyPair() makes one). */
  publicKey: CurveKey
  secretKey: CurveKey
}

/**
 * CURVE (RFC 26) as a client, over the pure core's tweetnacl code (randomness from
 * `crypto.getRandomValues`). A separate export, so that NULL-only pages do not bundle it.
 */
export function curveClient(options: CurveClientOptions): Security {
  const keys = {
    serverKey: keyBytes(options.serverKey, "serverKey"),
    publicKey: keyBytes(options.publicKey, "publicKey"),
    secretKey: keyBytes(options.secretKey, "secretKey"),
  }
  return { mechanism: "CURVE", create: (properties) => new CurveClient(properties, keys) }
}

/** A new CURVE key pair as Z85 text, as omq's and zeromq.js's curveKeyPair(). */
export function curveKeyPair(): { publicKey: string; secretKey: string } {
  const { publicKey, secretKey } = curveKeyPairBytes()
  return { publicKey: z85Encode(publicKey), secretKey: z85Encode(secretKey) }
}

function keyBytes(key: CurveKey, name: string): Uint8Array {
  if (key instanceof Uint8Array && key.byteLength === 32) return Uint8Array.from(key)
  if (typeof key === "string" && key.length === 40) {
    try {
      return z85Decode(key)
    } catch {
      // reported below
    }
  }
  throw new ZmqError("EINVAL", `CURVE ${name} must be 40 characters of Z85 or 32 bytes`)
}
