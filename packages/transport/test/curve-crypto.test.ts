import { strict as assert } from "node:assert"
import { before, describe, it } from "node:test"
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js"
import { x25519 } from "@noble/curves/ed25519.js"
import fc from "fast-check"
import { FRAMED_HEADER, openFramed, sealFramed } from "../src/zmtp/curve-crypto.js"
import {
  BOX_OVERHEAD,
  boxKey,
  curveKeyPairBytes,
  disableSodium,
  loadSodium,
  open,
  publicKeyOf,
  randomBytes,
  seal,
  secretboxLibrary,
  ZmtpError,
} from "../src/zmtp/mod.js"

const fromHex = (h: string) => new Uint8Array(Buffer.from(h, "hex"))
const FC = { seed: 0x26, numRuns: 100 }

// RFC 7748 section 6.1's X25519 key pairs; NaCl's own tests use the same two.
const ALICE_SK = fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
const ALICE_PK = fromHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
const BOB_SK = fromHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
const BOB_PK = fromHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
// crypto_box_beforenm(BOB_PK, ALICE_SK): "firstkey" in NaCl's tests (core1.c).
const FIRST_KEY = fromHex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389")
// libsodium 1.0.18 (what Debian's libzmq links), crypto_box_easy of bytes 0..63 under NaCl's
// test nonce from ALICE to BOB: MAC (16 bytes) then ciphertext.
const NONCE = fromHex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37")
const LIBSODIUM_BOX = fromHex(
  "d97f5855dc2d04197dd3dab54f907644309f665970ece6a1058b49a7d51a74ba" +
    "0a0af99e4e3a4b671410264549984989051259f08f44bb467f49f2ee9e098674" +
    "2d3fcc3d8c92d8210282394d6ea2f236",
)
const COUNTING = Uint8Array.from({ length: 64 }, (_, i) => i)

// A second, independent NaCl box: @noble's X25519, then HSalsa20 over a zero nonce (that is
// crypto_box_beforenm), then its XSalsa20-Poly1305, which also puts the MAC first.
const SIGMA = new Uint32Array(new TextEncoder().encode("expand 32-byte k").buffer)
function nobleBoxKey(theirPublic: Uint8Array, mySecret: Uint8Array): Uint8Array {
  const shared = new Uint32Array(x25519.getSharedSecret(mySecret, theirPublic).slice().buffer)
  const out = new Uint32Array(8)
  hsalsa(SIGMA, shared, new Uint32Array(4), out)
  return new Uint8Array(out.buffer)
}

/** Makes `library` seal and open boxes on this thread from now on. */
async function useLibrary(library: "tweetnacl" | "libsodium"): Promise<void> {
  disableSodium(library === "tweetnacl")
  if (library === "libsodium") assert.equal(await loadSodium(), true)
  assert.equal(secretboxLibrary(), library)
}

describe("curve-crypto", () => {
  it("derives RFC 7748's public keys", () => {
    assert.deepEqual(publicKeyOf(ALICE_SK), ALICE_PK)
    assert.deepEqual(publicKeyOf(BOB_SK), BOB_PK)
  })

  it("computes NaCl's beforenm key, the same from either side", () => {
    assert.deepEqual(boxKey(BOB_PK, ALICE_SK), FIRST_KEY)
    assert.deepEqual(boxKey(ALICE_PK, BOB_SK), FIRST_KEY)
  })

  for (const library of ["tweetnacl", "libsodium"] as const) {
    describe(`boxes with ${library}`, () => {
      before(() => useLibrary(library))

      it("seals byte for byte as libsodium's crypto_box_easy, and opens it", () => {
        const boxed = seal(FIRST_KEY, NONCE, COUNTING)
        assert.equal(boxed.length, COUNTING.length + BOX_OVERHEAD)
        assert.deepEqual(boxed, LIBSODIUM_BOX)
        assert.deepEqual(open(boxKey(ALICE_PK, BOB_SK), NONCE, LIBSODIUM_BOX), COUNTING)
      })

      it("agrees with @noble/curves + @noble/ciphers on any keys and message (property)", () => {
        const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
        fc.assert(
          fc.property(
            key32,
            key32,
            fc.uint8Array({ minLength: 24, maxLength: 24 }),
            fc.uint8Array({ maxLength: 300 }),
            (aSecret, bSecret, nonce, plain) => {
              const aPublic = publicKeyOf(aSecret)
              const bPublic = publicKeyOf(bSecret)
              assert.deepEqual(aPublic, x25519.getPublicKey(aSecret))
              const key = boxKey(bPublic, aSecret)
              assert.deepEqual(key, nobleBoxKey(bPublic, aSecret))
              const boxed = seal(key, nonce, plain)
              assert.deepEqual(boxed, xsalsa20poly1305(key, nonce).encrypt(plain))
              assert.deepEqual(open(boxKey(aPublic, bSecret), nonce, boxed), plain)
            },
          ),
          FC,
        )
      })

      it("opens to null when anything was changed", () => {
        const boxed = seal(FIRST_KEY, NONCE, COUNTING)
        for (const at of [0, 15, 16, boxed.length - 1]) {
          const bad = boxed.slice()
          bad[at]! ^= 1
          assert.equal(open(FIRST_KEY, NONCE, bad), null, `byte ${at}`)
        }
        const otherNonce = NONCE.slice()
        otherNonce[23]! ^= 1
        assert.equal(open(FIRST_KEY, otherNonce, boxed), null)
        assert.equal(open(boxKey(BOB_PK, BOB_SK), NONCE, boxed), null)
        assert.equal(open(FIRST_KEY, NONCE, boxed.subarray(0, 15)), null)
        assert.deepEqual(
          open(FIRST_KEY, NONCE, seal(FIRST_KEY, NONCE, new Uint8Array(0))),
          new Uint8Array(0),
        )
      })

      it("seals MESSAGE boxes the other library opens, with room for the header", async () => {
        // 2 MiB is past the scratch area libsodium keeps between calls.
        for (const size of [0, 1500, 2 << 20]) {
          const body = Uint8Array.from({ length: size }, (_, i) => i % 251)
          const framed = sealFramed(FIRST_KEY, NONCE, 3, body)
          assert.equal(framed.length, FRAMED_HEADER + BOX_OVERHEAD + 1 + body.length)
          // The box after the header is the plain secretbox of flags + body.
          const plain = new Uint8Array(1 + size)
          plain[0] = 3
          plain.set(body, 1)
          assert.deepEqual(framed.subarray(FRAMED_HEADER), seal(FIRST_KEY, NONCE, plain))
          framed.fill(0xee, 0, FRAMED_HEADER)
          await useLibrary(library === "libsodium" ? "tweetnacl" : "libsodium")
          assert.deepEqual(openFramed(FIRST_KEY, NONCE, framed), plain)
          framed[framed.length - 1]! ^= 1
          assert.equal(openFramed(FIRST_KEY, NONCE, framed), null)
          assert.equal(openFramed(FIRST_KEY, NONCE, framed.subarray(0, 31)), null)
          await useLibrary(library)
        }
      })
    })
  }

  it("refuses a small-order public key, as libsodium does", () => {
    const zero = new Uint8Array(32)
    const one = new Uint8Array(32)
    one[0] = 1
    for (const weak of [zero, one]) {
      assert.throws(
        () => boxKey(weak, ALICE_SK),
        (err: unknown) => err instanceof ZmtpError && err.code === "EPROTO",
      )
    }
  })

  it("refuses keys and nonces of the wrong size", () => {
    assert.throws(() => publicKeyOf(new Uint8Array(31)), RangeError)
    assert.throws(() => boxKey(BOB_PK.subarray(1), ALICE_SK), RangeError)
    assert.throws(() => seal(FIRST_KEY, NONCE.subarray(1), COUNTING), RangeError)
    assert.throws(() => open(FIRST_KEY.subarray(1), NONCE, LIBSODIUM_BOX), RangeError)
  })

  it("makes fresh key pairs whose halves belong together", () => {
    const a = curveKeyPairBytes()
    const b = curveKeyPairBytes()
    assert.equal(a.publicKey.length, 32)
    assert.equal(a.secretKey.length, 32)
    assert.deepEqual(publicKeyOf(a.secretKey), a.publicKey)
    assert.notDeepEqual(a.secretKey, b.secretKey)
    assert.deepEqual(boxKey(b.publicKey, a.secretKey), boxKey(a.publicKey, b.secretKey))
  })

  it("draws random bytes past Web Crypto's 64 KiB limit per call", () => {
    assert.equal(randomBytes(0).length, 0)
    const big = randomBytes(200_000)
    assert.equal(big.length, 200_000)
    // The last chunk was filled too (a zero run of 1 KiB is as good as impossible).
    assert.ok(big.subarray(199_000).some((b) => b !== 0))
  })
})
