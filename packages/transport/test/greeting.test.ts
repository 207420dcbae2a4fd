import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import {
  checkSignature,
  encodeGreeting,
  GREETING_SIZE,
  parseGreeting,
  ZmtpError,
} from "../src/zmtp/mod.js"

const fromHex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"))
const isProto = (err: unknown) => err instanceof ZmtpError && err.code === "EPROTO"

// Greeting sent by libzmq 4.3.5 (zeromq npm 6.8.0) PUSH socket, captured with a plain
// net server (see libzmq-capture.test.ts). Padding byte 8 is 0x01: libzmq's ZMTP 1.0 length.
const LIBZMQ_PUSH_GREETING = fromHex(
  "ff00000000000000017f03014e554c4c00000000000000000000000000000000" +
    "0000000000000000000000000000000000000000000000000000000000000000",
)

describe("greeting", () => {
  it("encodes exactly 64 bytes, version 3.1, NULL client", () => {
    const expected = new Uint8Array(64)
    expected.set([0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 1, 0x4e, 0x55, 0x4c, 0x4c])
    assert.equal(GREETING_SIZE, 64)
    assert.deepEqual(encodeGreeting("NULL", false), expected)
  })

  it("encodes the as-server flag and other mechanisms", () => {
    const g = encodeGreeting("CURVE", true)
    assert.equal(g[32], 1)
    assert.deepEqual([...g.subarray(12, 18)], [0x43, 0x55, 0x52, 0x56, 0x45, 0])
    assert.deepEqual(parseGreeting(g), { major: 3, minor: 1, mechanism: "CURVE", asServer: true })
  })

  it("rejects mechanism names that do not fit", () => {
    assert.throws(() => encodeGreeting("X".repeat(21), false), RangeError)
  })

  it("parses a libzmq 4.3.x greeting with non-zero padding", () => {
    assert.equal(LIBZMQ_PUSH_GREETING.length, 64)
    assert.deepEqual(parseGreeting(LIBZMQ_PUSH_GREETING), {
      major: 3,
      minor: 1,
      mechanism: "NULL",
      asServer: false,
    })
    const padded = LIBZMQ_PUSH_GREETING.slice()
    padded.set([1, 2, 3, 4, 5, 6, 7, 8], 1)
    checkSignature(padded)
    assert.equal(parseGreeting(padded).mechanism, "NULL")
  })

  it("parses a ZMTP 3.0 peer as minor 0", () => {
    const g = encodeGreeting("PLAIN", true)
    g[11] = 0
    assert.deepEqual(parseGreeting(g), { major: 3, minor: 0, mechanism: "PLAIN", asServer: true })
  })

  it("accepts a future major version", () => {
    const g = encodeGreeting("NULL", false)
    g[10] = 4
    assert.equal(parseGreeting(g).major, 4)
  })

  it("rejects major version 2", () => {
    const g = encodeGreeting("NULL", false)
    g[10] = 2
    assert.throws(() => parseGreeting(g), isProto)
  })

  it("rejects a bad signature", () => {
    const badFirst = encodeGreeting("NULL", false)
    badFirst[0] = 0xfe
    assert.throws(() => checkSignature(badFirst), isProto)
    assert.throws(() => parseGreeting(badFirst), isProto)
    const badLast = encodeGreeting("NULL", false)
    badLast[9] = 0x7e
    assert.throws(() => checkSignature(badLast), isProto)
  })

  it("rejects short input", () => {
    assert.throws(() => checkSignature(new Uint8Array(9).fill(0xff)), isProto)
    assert.throws(() => parseGreeting(encodeGreeting("NULL", false).subarray(0, 63)), isProto)
  })

  it("accepts the 10-byte signature alone", () => {
    checkSignature(LIBZMQ_PUSH_GREETING.subarray(0, 10))
  })
})
