import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import fc from "fast-check"
import { z85Decode, z85Encode } from "../src/zmtp/mod.js"

// Fixed seed: a failure reproduces on every run and machine.
const FC = { seed: 0x5a38, numRuns: 500 }

/** Byte arrays whose length is a multiple of 4, up to 256 bytes. */
const groups = fc
  .integer({ min: 0, max: 64 })
  .chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n }))

describe("z85", () => {
  it("encodes and decodes RFC 32's test vector", () => {
    const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b])
    assert.equal(z85Encode(bytes), "HelloWorld")
    assert.deepEqual(z85Decode("HelloWorld"), bytes)
  })

  it("maps the extremes of a group", () => {
    assert.equal(z85Encode(new Uint8Array(4)), "00000")
    assert.equal(z85Encode(new Uint8Array([255, 255, 255, 255])), "%nSc0")
    assert.deepEqual(z85Decode("%nSc0"), new Uint8Array([255, 255, 255, 255]))
    assert.equal(z85Encode(new Uint8Array(0)), "")
    assert.deepEqual(z85Decode(""), new Uint8Array(0))
  })

  it("makes 40 characters of a 32-byte key", () => {
    assert.equal(z85Encode(new Uint8Array(32).fill(0xa5)).length, 40)
    assert.equal(z85Decode("0".repeat(40)).length, 32)
  })

  it("refuses lengths that are not whole groups", () => {
    for (const n of [1, 2, 3, 5, 31]) {
      assert.throws(() => z85Encode(new Uint8Array(n)), RangeError)
    }
    for (const text of ["Hell", "HelloWorl", "HelloWorld!"]) {
      assert.throws(() => z85Decode(text), RangeError)
    }
  })

  it("refuses characters outside the alphabet, and groups over 32 bits", () => {
    for (const text of ["Hello Worl", 'Hel"oWorld', "Hell\\World", "Hel,oWorld", "Hellé"]) {
      assert.throws(() => z85Decode(text), RangeError, text)
    }
    // "%nSc1" is 2^32, one past the largest group; "#####" is 85^5 - 1.
    assert.throws(() => z85Decode("%nSc1"), RangeError)
    assert.throws(() => z85Decode("#####"), RangeError)
  })

  it("round-trips any whole groups of bytes (property)", () => {
    fc.assert(
      fc.property(groups, (bytes) => {
        const text = z85Encode(bytes)
        assert.equal(text.length, (bytes.length / 4) * 5)
        assert.deepEqual(z85Decode(text), bytes)
      }),
      FC,
    )
  })
})
