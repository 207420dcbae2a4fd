import { strict as assert } from "node:assert"
import { after, before, describe, it } from "node:test"
import fc from "fast-check"
import sodiumWrappers from "libsodium-wrappers"
import { FrameWriter } from "../src/engine/frame-writer.js"
import { StreamOutput } from "../src/engine/stream-output.js"
import { sealFramed } from "../src/zmtp/curve-crypto.js"
import {
  CURVE_MESSAGE_OVERHEAD,
  CurveCipher,
  disableSodium,
  FrameDecoder,
  loadSodium,
  randomBytes,
  secretboxLibrary,
  shortNonce,
  ZmtpError,
} from "../src/zmtp/mod.js"

const FC = { seed: 0x2611, numRuns: 60 }
const NAME = Uint8Array.from("\x07MESSAGE", (c) => c.charCodeAt(0))
const CLIENT_PREFIX = Uint8Array.from("CurveZMQMESSAGEC", (c) => c.charCodeAt(0))

/** The MESSAGE a client sends, made the way CurveCipher made it before its key was resident. */
function referenceMessage(key: Uint8Array, counter: bigint, flags: number, body: Uint8Array) {
  const nonce = shortNonce(CLIENT_PREFIX, counter)
  const out = sealFramed(key, nonce, flags, body)
  out.set(NAME)
  out.set(nonce.subarray(16), NAME.byteLength)
  return out
}

/** Boxes go through `library` from here on (libsodium must load again once turned back on). */
async function useLibrary(library: "libsodium" | "tweetnacl"): Promise<void> {
  disableSodium(library === "tweetnacl")
  if (library === "libsodium") assert.ok(await loadSodium())
  assert.equal(secretboxLibrary(), library)
}

/** Where `needle` occurs in libsodium's memory, or -1. */
function inSodiumHeap(needle: Uint8Array): number {
  const lib = (sodiumWrappers as unknown as { libsodium: { HEAPU8: Uint8Array } }).libsodium
  const heap = lib.HEAPU8
  return Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength).indexOf(Buffer.from(needle))
}

describe("CurveCipher with its key resident in libsodium's memory", () => {
  before(() => useLibrary("libsodium"))
  after(() => useLibrary("libsodium"))

  it("seals into a target the bytes tweetnacl seals, and each library opens the other's (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ maxLength: 3000 }),
        fc.bigInt({ min: 1n, max: (1n << 63n) - 2n }),
        fc.integer({ min: 0, max: 40 }),
        async (key, flags, body, counter, at) => {
          await useLibrary("libsodium")
          const client = new CurveCipher(key.slice(), false, counter, 0n)
          const target = new Uint8Array(at + CURVE_MESSAGE_OVERHEAD + body.byteLength + 7)
          target.fill(0xa5)
          client.sealInto(flags, body, target, at)
          const message = target.subarray(at, at + CURVE_MESSAGE_OVERHEAD + body.byteLength)
          await useLibrary("tweetnacl")
          assert.deepEqual(message, referenceMessage(key, counter, flags, body))
          // Nothing written outside its place.
          assert.ok(target.subarray(0, at).every((b) => b === 0xa5))
          assert.ok(target.subarray(at + message.byteLength).every((b) => b === 0xa5))
          // tweetnacl opens libsodium's box; libsodium (resident) opens tweetnacl's.
          const viaNacl = new CurveCipher(key.slice(), true, 1n, counter - 1n).open(message)
          assert.deepEqual([viaNacl.flags, viaNacl.body], [flags, body])
          const second = referenceMessage(key, counter + 1n, flags, body)
          await useLibrary("libsodium")
          const server = new CurveCipher(key.slice(), true, 1n, counter - 1n)
          assert.deepEqual(server.open(message).body, body)
          const opened = server.open(second)
          assert.deepEqual([opened.flags, opened.body], [flags, body])
          server.dispose()
          client.dispose()
        },
      ),
      FC,
    )
  })

  it("refuses a changed box, and a nonce that does not rise", () => {
    const key = randomBytes(32)
    const client = new CurveCipher(key, false, 1n, 0n)
    const server = new CurveCipher(key.slice(), true, 1n, 0n)
    const body = randomBytes(1024)
    const first = client.seal(1, body)
    const bad = first.slice()
    bad[bad.length - 1]! ^= 1
    const code = (c: string) => (err: unknown) =>
      err instanceof ZmtpError && err.protocolError === c
    assert.throws(() => server.open(bad), code("ERR_ZMTP_CRYPTOGRAPHIC"))
    assert.deepEqual(server.open(first).body, body)
    assert.throws(() => server.open(first), code("ERR_ZMTP_INVALID_SEQUENCE"))
  })

  it("gives each opened body memory of its own", () => {
    const key = randomBytes(32)
    const client = new CurveCipher(key, false, 1n, 0n)
    const server = new CurveCipher(key.slice(), true, 1n, 0n)
    for (const size of [0, 1, 100, 8191, 8192, 70_000]) {
      const a = server.open(client.seal(0, new Uint8Array(size).fill(1))).body
      const b = server.open(client.seal(0, new Uint8Array(size).fill(2))).body
      assert.equal(a.byteLength, size)
      assert.ok(a.every((x) => x === 1) && b.every((x) => x === 2), `${size}`)
      if (size >= 8192) assert.equal(a.byteOffset, 0, "a large body is not cut from the slab")
    }
  })

  it("wipes its key, here and in libsodium's memory, when disposed", () => {
    const key = randomBytes(32)
    const cipher = new CurveCipher(key, false, 1n, 0n)
    cipher.seal(0, randomBytes(64))
    assert.ok(inSodiumHeap(key) >= 0, "the key is resident while the connection lives")
    const copy = key.slice()
    cipher.dispose()
    assert.ok(key.every((b) => b === 0))
    assert.equal(inSodiumHeap(copy), -1)
    assert.throws(() => cipher.seal(0, new Uint8Array(1)), /after its connection ended/)
  })
})

describe("FrameWriter under CURVE", () => {
  it("seals small frames into the output's chunk and large ones apart, all in order", async () => {
    await useLibrary("libsodium")
    const written: Uint8Array[] = []
    const stream = {
      writableNeedDrain: false,
      write: (chunk: Uint8Array) => written.push(Uint8Array.from(chunk)),
      cork() {},
      uncork() {},
    }
    const output = new StreamOutput(stream as never)
    const writer = new FrameWriter(output)
    const key = randomBytes(32)
    writer.seal(new CurveCipher(key, false, 1n, 0n))
    const bodies = [0, 64, 1024, 8000, 20_000, 3].map((n, i) => new Uint8Array(n).fill(i + 1))
    for (const [i, body] of bodies.entries()) writer.frame(body, i % 2 === 0, false, false)
    output.flush()
    const server = new CurveCipher(key.slice(), true, 1n, 0n)
    const got: { flags: number; body: Uint8Array }[] = []
    const decoder = new FrameDecoder(
      { onFrame: (_flags, box) => got.push(server.open(box)) },
      -1,
      Number.POSITIVE_INFINITY,
      (n) => new Uint8Array(n),
    )
    for (const chunk of written) decoder.push(chunk)
    assert.deepEqual(
      got.map((m) => [m.flags, m.body]),
      bodies.map((b, i) => [i % 2 === 0 ? 1 : 0, b]),
    )
    writer.drop()
    assert.ok(
      key.every((b) => b === 0),
      "drop() wipes the key",
    )
    const before = written.length
    writer.frame(new Uint8Array(10), false, false, false)
    output.flush()
    assert.equal(written.length, before, "nothing is sealed after drop()")
  })
})
