import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import {
  encodeFrame,
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  FrameDecoder,
  frameHeaderSize,
  writeFrameHeader,
  ZmtpError,
} from "../src/zmtp/mod.js"

type Frame = { flags: number; body: Uint8Array }

function collect(max?: number): { decoder: FrameDecoder; frames: Frame[] } {
  const frames: Frame[] = []
  const decoder = new FrameDecoder({ onFrame: (flags, body) => frames.push({ flags, body }) }, max)
  return { decoder, frames }
}

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts))
const isCode = (code: string) => (err: unknown) => err instanceof ZmtpError && err.code === code

describe("frame encoding", () => {
  it("uses the short header up to 255 bytes", () => {
    assert.equal(frameHeaderSize(0), 2)
    assert.equal(frameHeaderSize(255), 2)
    assert.equal(frameHeaderSize(256), 9)
    assert.deepEqual(encodeFrame(new Uint8Array(0), 0), Uint8Array.of(0x00, 0x00))
    assert.deepEqual(encodeFrame(Uint8Array.of(0x41), FLAG_MORE), Uint8Array.of(0x01, 0x01, 0x41))
    const f255 = encodeFrame(new Uint8Array(255).fill(7), 0)
    assert.equal(f255.length, 257)
    assert.deepEqual([...f255.subarray(0, 3)], [0x00, 0xff, 7])
  })

  it("uses the long header above 255 bytes", () => {
    const f256 = encodeFrame(new Uint8Array(256).fill(9), FLAG_MORE)
    assert.equal(f256.length, 265)
    assert.deepEqual([...f256.subarray(0, 10)], [0x03, 0, 0, 0, 0, 0, 0, 1, 0, 9])
  })

  it("derives LONG itself and drops reserved bits", () => {
    const out = new Uint8Array(12)
    assert.equal(writeFrameHeader(out, 1, 0xff, 10), 3)
    assert.deepEqual([...out.subarray(0, 3)], [0, FLAG_MORE | FLAG_COMMAND, 10])
    assert.equal(writeFrameHeader(out, 3, FLAG_LONG, 0x1_0000_0102), 12)
    assert.deepEqual([...out.subarray(3, 12)], [0x02, 0, 0, 0, 1, 0, 0, 1, 2])
  })

  it("writes large sizes big-endian", () => {
    const out = new Uint8Array(9)
    writeFrameHeader(out, 0, 0, Number.MAX_SAFE_INTEGER)
    assert.deepEqual([...out], [0x02, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    assert.throws(() => writeFrameHeader(out, 0, 0, -1), RangeError)
  })
})

describe("frame decoder", () => {
  const stream = concat([
    encodeFrame(Uint8Array.of(1, 2, 3), FLAG_MORE),
    encodeFrame(new Uint8Array(0), FLAG_MORE),
    encodeFrame(new Uint8Array(300).fill(0x61), 0),
    encodeFrame(Uint8Array.of(5, 0x50, 0x49, 0x4e, 0x47, 0, 1), FLAG_COMMAND),
    encodeFrame(new Uint8Array(255).fill(0x62), 0),
  ])

  it("gives the same frames byte-by-byte and in one chunk", () => {
    const whole = collect()
    whole.decoder.push(stream)
    const split = collect()
    for (let i = 0; i < stream.length; i++) split.decoder.push(stream.subarray(i, i + 1))
    assert.equal(whole.frames.length, 5)
    assert.deepEqual(split.frames, whole.frames)
    assert.deepEqual(
      whole.frames.map((f) => [f.flags, f.body.length]),
      [
        [FLAG_MORE, 3],
        [FLAG_MORE, 0],
        [FLAG_LONG, 300],
        [FLAG_COMMAND, 7],
        [0, 255],
      ],
    )
  })

  it("handles every two-way split", () => {
    const whole = collect()
    whole.decoder.push(stream)
    for (let cut = 0; cut <= stream.length; cut++) {
      const split = collect()
      split.decoder.push(stream.subarray(0, cut))
      split.decoder.push(stream.subarray(cut))
      assert.deepEqual(split.frames, whole.frames, `cut at ${cut}`)
    }
  })

  it("hands out a body wholly in the chunk as a view", () => {
    const { decoder, frames } = collect()
    decoder.push(stream)
    for (const f of frames.filter((f) => f.body.length > 0)) {
      assert.equal(f.body.buffer, stream.buffer)
    }
    assert.equal(frames[0]!.body.byteOffset, 2)
  })

  it("assembles a body spanning chunks into one fresh array", () => {
    const frame = encodeFrame(new Uint8Array(300).fill(0x61), 0)
    const { decoder, frames } = collect()
    decoder.push(frame.subarray(0, 100))
    decoder.push(frame.subarray(100, 200))
    decoder.push(frame.subarray(200))
    assert.equal(frames.length, 1)
    const body = frames[0]!.body
    assert.notEqual(body.buffer, frame.buffer)
    assert.equal(body.byteLength, 300)
    assert.equal(body.buffer.byteLength, 300)
    assert.deepEqual(body, new Uint8Array(300).fill(0x61))
  })

  it("delivers a zero-length body as an empty Uint8Array", () => {
    const { decoder, frames } = collect()
    decoder.push(Uint8Array.of(0x00, 0x00))
    assert.equal(frames.length, 1)
    assert.ok(frames[0]!.body instanceof Uint8Array)
    assert.equal(frames[0]!.body.length, 0)
  })

  it("throws EMSGSIZE on the header alone, before allocating the body", () => {
    const { decoder, frames } = collect(1024)
    const header = new Uint8Array(9)
    writeFrameHeader(header, 0, 0, 1024 * 1024 * 1024)
    assert.throws(() => decoder.push(header), isCode("EMSGSIZE"))
    assert.equal(frames.length, 0)
    // Dead after failing.
    assert.throws(() => decoder.push(Uint8Array.of(0, 0)), ZmtpError)
  })

  it("accepts a frame of exactly maxMessageSize and applies it per frame", () => {
    const { decoder, frames } = collect(4)
    decoder.push(encodeFrame(Uint8Array.of(1, 2, 3, 4), FLAG_MORE))
    decoder.push(encodeFrame(Uint8Array.of(1, 2, 3, 4), 0))
    assert.equal(frames.length, 2)
    assert.throws(() => decoder.push(encodeFrame(new Uint8Array(5), 0)), isCode("EMSGSIZE"))
  })

  it("treats a negative maxMessageSize as unlimited", () => {
    const { decoder, frames } = collect(-1)
    decoder.push(encodeFrame(new Uint8Array(70000), 0))
    assert.equal(frames[0]!.body.length, 70000)
  })

  it("rejects an 8-byte size beyond Number.MAX_SAFE_INTEGER", () => {
    const { decoder } = collect()
    const bad = Uint8Array.of(0x02, 0x00, 0x20, 0, 0, 0, 0, 0, 0)
    assert.throws(() => decoder.push(bad), isCode("EPROTO"))
  })

  it("ignores reserved flag bits", () => {
    const { decoder, frames } = collect()
    decoder.push(Uint8Array.of(0xf9, 0x01, 0x41, 0xfc, 0x02, 0x01, 0x58))
    assert.deepEqual(
      frames.map((f) => [f.flags, [...f.body]]),
      [
        [FLAG_MORE, [0x41]],
        [FLAG_COMMAND, [0x01, 0x58]],
      ],
    )
  })

  it("rejects a command frame with MORE and stays dead", () => {
    const { decoder, frames } = collect()
    assert.throws(() => decoder.push(Uint8Array.of(0x05, 0x00)), isCode("EPROTO"))
    assert.throws(() => decoder.push(Uint8Array.of(0x00, 0x00)), isCode("EPROTO"))
    assert.equal(frames.length, 0)
  })

  it("accepts a LONG header carrying a small size", () => {
    const { decoder, frames } = collect()
    decoder.push(Uint8Array.of(0x02, 0, 0, 0, 0, 0, 0, 0, 1, 0x41))
    assert.deepEqual([...frames[0]!.body], [0x41])
  })
})
