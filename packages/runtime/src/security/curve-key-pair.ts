import { curveKeyPairBytes, z85Encode } from "@omq/transport/zmtp"
// Native X25519 for the handshakes and key pairs made on this thread.
import "./node-x25519.js"

/**
 * A new CURVE key pair as Z85 text (40 characters each), as zeromq.js's `curveKeyPair()` and
 * libzmq's `zmq_curve_keypair` give it: ready for the CURVE socket options and for certificate
 * files. The secret comes from `globalThis.crypto`.
 */
export function curveKeyPair(): { publicKey: string; secretKey: string } {
  const { publicKey, secretKey } = curveKeyPairBytes()
  return { publicKey: z85Encode(publicKey), secretKey: z85Encode(secretKey) }
}
