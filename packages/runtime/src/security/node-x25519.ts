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

const privateKey = (raw: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([PRIVATE_PREFIX, raw]), format: "der", type: "pkcs8" })
const publicKey = (raw: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.concat([PUBLIC_PREFIX, raw]), format: "der", type: "spki" })
const rawOf = (der: Buffer): Uint8Array => new Uint8Array(der.subarray(der.byteLength - 32))

/**
 * CURVE's scalar multiplications through Node's OpenSSL (about 10× tweetnacl's): installed on
 * every thread that loads omq's sockets or IO workers. Boxes stay tweetnacl's.
 */
export function installNodeX25519(): void {
  useX25519({
    keyPair() {
      const pair = generateKeyPairSync("x25519")
      return {
        publicKey: rawOf(pair.publicKey.export({ format: "der", type: "spki" })),
        secretKey: rawOf(pair.privateKey.export({ format: "der", type: "pkcs8" })),
      }
    },
    sharedSecret(theirPublic, mySecret) {
      return diffieHellman({ privateKey: privateKey(mySecret), publicKey: publicKey(theirPublic) })
    },
  })
}

installNodeX25519()
