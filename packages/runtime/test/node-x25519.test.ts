// The native X25519 the runtime installs gives exactly tweetnacl's keys and box keys.
import { strict as assert } from "node:assert"
import { it } from "node:test"
import { boxKey, curveKeyPairBytes, publicKeyOf, useX25519, ZmtpError } from "@omq/transport/zmtp"
import { cachedKeyCount, installNodeX25519 } from "../src/security/node-x25519.js"

it("native X25519 agrees with tweetnacl on key pairs and box keys", () => {
  for (let i = 0; i < 20; i++) {
    installNodeX25519()
    const a = curveKeyPairBytes()
    const b = curveKeyPairBytes()
    const native = boxKey(a.publicKey, b.secretKey)
    useX25519(null)
    assert.deepEqual(publicKeyOf(a.secretKey), a.publicKey, "a native key pair is consistent")
    assert.deepEqual(boxKey(a.publicKey, b.secretKey), native)
    assert.deepEqual(boxKey(b.publicKey, a.secretKey), native, "both sides get one key")
  }
  installNodeX25519()
})

it("native X25519 refuses a small-order public key", () => {
  installNodeX25519()
  const { secretKey } = curveKeyPairBytes()
  assert.throws(
    () => boxKey(new Uint8Array(32), secretKey),
    (err: unknown) => err instanceof ZmtpError,
  )
})

it("native X25519 ignores a public key's top bit, as NaCl does", () => {
  installNodeX25519()
  const a = curveKeyPairBytes()
  const b = curveKeyPairBytes()
  const high = Uint8Array.from(a.publicKey)
  high[31]! |= 0x80
  const native = boxKey(high, b.secretKey)
  useX25519(null)
  assert.deepEqual(boxKey(high, b.secretKey), native)
  installNodeX25519()
})

it("key pairs abandoned before their handshake ends are forgotten, within a bound", () => {
  installNodeX25519()
  // A handshake that never reaches WELCOME uses its transient secret once or not at all.
  for (let i = 0; i < 1000; i++) curveKeyPairBytes()
  assert.ok(cachedKeyCount() <= 256, `${cachedKeyCount()} keys cached`)
  const a = curveKeyPairBytes()
  const b = curveKeyPairBytes()
  assert.deepEqual(boxKey(a.publicKey, b.secretKey), boxKey(b.publicKey, a.secretKey))
})
