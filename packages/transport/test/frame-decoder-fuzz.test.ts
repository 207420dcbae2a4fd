import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import fc from "fast-check"
import {
  encodeFrame,
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  FrameDecoder,
  type FrameSink,
  ZmtpError,
} from "../src/zmtp/mod.js"
import { concat, cycling } from "./helpers/handshake-pump.js"

/**
 * Property tests of FrameDecoder: whatever the chunking, valid frames come out as they went in;
 * whatever the bytes, the decoder either decodes them or throws a ZmtpError, and never asks for
 * a body larger than maxMessageSize. Seeded, so a failure names a case that can be replayed.
 */

const FC = { seed: 42, numRuns: 200 }
/** Hostile inputs fail fast: more runs for the same time. */
const FC_HOSTILE = { seed: 42, numRuns: 1000 }

interface Frame {
  flags: number
  body: Uint8Array
}

/** A body whose bytes depend on its size and position, so a shifted byte shows. */
const patterned = (size: number) =>
  Uint8Array.from({ length: size }, (_, i) => (i * 7 + size) & 0xff)

const bodyArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 3, arbitrary: fc.integer({ min: 250, max: 260 }).map(patterned) }, // short/long edge
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 20_000 }).map(patterned) },
)

/** A valid frame: commands never carry MORE. */
const frameArb: fc.Arbitrary<Frame> = fc.record({
  flags: fc.constantFrom(0, FLAG_MORE, FLAG_COMMAND),
  body: bodyArb,
})

/** Chunk sizes used in turn: byte by byte, small, or large cuts. */
const chunkSizes = fc.oneof(
  fc.constant([1]),
  fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }),
  fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }),
)

/** What a decoder reports, bodies copied (views are valid during the call only). */
function recordingSink(): FrameSink & { frames: Frame[] } {
  const frames: Frame[] = []
  return { frames, onFrame: (flags, body) => frames.push({ flags, body: body.slice() }) }
}

/** An allocator that refuses (with an AssertionError, not a ZmtpError) anything over `max`. */
function boundedAllocator(max: number): ((size: number) => Uint8Array) & { sizes: number[] } {
  const sizes: number[] = []
  const allocate = (size: number) => {
    assert.ok(size <= max, `allocate(${size}) above maxMessageSize ${max}`)
    sizes.push(size)
    return new Uint8Array(size)
  }
  return Object.assign(allocate, { sizes })
}

/** The flags the decoder reports for a frame we encoded: LONG when the body needs it. */
const decodedFlags = ({ flags, body }: Frame) => flags | (body.byteLength > 255 ? FLAG_LONG : 0)

/**
 * Feeds `bytes` in chunks. Returns normally when every chunk was taken; when one throws, the
 * error must be a ZmtpError and the decoder must refuse anything further with one too.
 */
function feedHostile(decoder: FrameDecoder, bytes: Uint8Array, sizes: readonly number[]): void {
  for (const chunk of cycling(sizes)(bytes)) {
    try {
      decoder.push(chunk)
    } catch (err) {
      assert.ok(err instanceof ZmtpError, `threw ${String(err)}`)
      assert.throws(() => decoder.push(Uint8Array.of(0, 0)), ZmtpError)
      return
    }
  }
}

/** Bytes that look like frames: any flags byte, sizes that matter, bodies of any length. */
const hostileFrameArb = fc.record({
  flags: fc.integer({ min: 0, max: 255 }),
  size: fc.oneof(
    fc.integer({ min: 0, max: 255 }).map(BigInt),
    fc.constantFrom(
      0n,
      255n,
      256n,
      4096n,
      4097n,
      2n ** 32n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 64n - 1n,
    ),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  ),
  body: fc.uint8Array({ maxLength: 300 }),
})

function hostileBytes(frames: { flags: number; size: bigint; body: Uint8Array }[]): Uint8Array {
  return concat(
    frames.map(({ flags, size, body }) => {
      if ((flags & FLAG_LONG) === 0)
        return concat([Uint8Array.of(flags, Number(size & 0xffn)), body])
      const header = new Uint8Array(9)
      header[0] = flags
      new DataView(header.buffer).setBigUint64(1, size)
      return concat([header, body])
    }),
  )
}

describe("FrameDecoder properties", () => {
  it("decodes any valid frame sequence, split anywhere, to the same frames", () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 12 }), chunkSizes, (frames, sizes) => {
        const max = Math.max(0, ...frames.map((f) => f.body.byteLength))
        const allocate = boundedAllocator(max)
        const sink = recordingSink()
        const decoder = new FrameDecoder(sink, max, Number.POSITIVE_INFINITY, allocate)
        const stream = concat(frames.map(({ flags, body }) => encodeFrame(body, flags)))
        for (const chunk of cycling(sizes)(stream)) decoder.push(chunk)
        assert.deepEqual(
          sink.frames,
          frames.map((f) => ({ flags: decodedFlags(f), body: f.body })),
        )
        // Memory is taken only for a body that spans chunks, and then exactly its size.
        for (const size of allocate.sizes) {
          assert.ok(frames.some((f) => f.body.byteLength === size))
        }
      }),
      FC,
    )
  })

  it("reads through one reused buffer, and into large bodies directly, to the same frames", () => {
    // As a socket under Node's onread: a shared read buffer, clobbered after every read (the
    // frames kept are views the decoder made, not copies), and large bodies read into the
    // memory the decoder names.
    const largeBody = fc.integer({ min: 15_000, max: 70_000 }).map(patterned)
    const frame = fc.record({
      flags: fc.constantFrom(0, FLAG_MORE, FLAG_COMMAND),
      body: fc.oneof(bodyArb, largeBody),
    })
    fc.assert(
      fc.property(
        fc.array(frame, { maxLength: 10 }),
        fc.integer({ min: 1, max: 70_000 }),
        fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 6 }),
        (frames, bufferSize, reads) => {
          const kept: Frame[] = []
          const decoder = new FrameDecoder({ onFrame: (flags, body) => kept.push({ flags, body }) })
          const stream = concat(frames.map(({ flags, body }) => encodeFrame(body, flags)))
          const buffer = new Uint8Array(bufferSize)
          let direct = 0
          for (let at = 0, i = 0; at < stream.byteLength; i++) {
            const most = reads[i % reads.length]!
            const target = decoder.readTarget()
            const into = target ?? buffer
            const count = Math.min(into.byteLength, most, stream.byteLength - at)
            into.set(stream.subarray(at, at + count))
            at += count
            if (target) {
              direct++
              decoder.filled(count)
            } else {
              decoder.push(buffer.subarray(0, count), true)
              buffer.fill(0xee) // the next read reuses it
            }
          }
          assert.deepEqual(
            kept.map((f) => ({ flags: f.flags, body: Uint8Array.from(f.body) })),
            frames.map((f) => ({ flags: decodedFlags(f), body: f.body })),
          )
          // Whenever 16 KiB or more of a body was still to come, it was read in directly.
          if (frames.some((f) => f.body.byteLength > 16 * 1024 + 2 * Math.max(...reads))) {
            assert.ok(direct > 0, "no body was read into directly")
          }
        },
      ),
      { seed: 42, numRuns: 100 },
    )
  })

  it("streams large data frames in pieces that add up to the same frames", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 12 }),
        chunkSizes,
        fc.integer({ min: 1, max: 300 }),
        (frames, sizes, streamFrom) => {
          const out: Frame[] = []
          let streamed: {
            flags: number
            size: number
            filled: number
            pieces: Uint8Array[]
          } | null = null
          const sink: FrameSink = {
            onFrame: (flags, body) => {
              assert.equal(streamed, null, "no whole frame inside a streamed one")
              out.push({ flags, body: body.slice() })
            },
            onFrameStart: (flags, size) => {
              assert.ok((flags & FLAG_COMMAND) === 0 && size >= streamFrom)
              streamed = { flags, size, filled: 0, pieces: [] }
            },
            onFrameData: (piece) => {
              assert.ok(streamed && piece.byteLength > 0)
              streamed.pieces.push(piece.slice())
              streamed.filled += piece.byteLength
              assert.ok(streamed.filled <= streamed.size)
              if (streamed.filled === streamed.size) {
                out.push({ flags: streamed.flags, body: concat(streamed.pieces) })
                streamed = null
              }
            },
          }
          const assembled: number[] = []
          const decoder = new FrameDecoder(sink, undefined, streamFrom, (size) => {
            assembled.push(size)
            return new Uint8Array(size)
          })
          const stream = concat(frames.map(({ flags, body }) => encodeFrame(body, flags)))
          for (const chunk of cycling(sizes)(stream)) decoder.push(chunk)
          assert.equal(streamed, null)
          assert.deepEqual(
            out,
            frames.map((f) => ({ flags: decodedFlags(f), body: f.body })),
          )
          // Only commands and bodies below streamFrom are ever assembled in memory.
          const commandSizes = frames
            .filter((f) => f.flags & FLAG_COMMAND)
            .map((f) => f.body.length)
          for (const size of assembled) {
            assert.ok(size < streamFrom || commandSizes.includes(size), `assembled ${size}`)
          }
        },
      ),
      FC,
    )
  })

  it("random bytes decode or throw a ZmtpError, and never allocate past maxMessageSize", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        chunkSizes,
        fc.constantFrom(0, 1, 255, 256, 4096),
        (bytes, sizes, max) => {
          const sink = recordingSink()
          feedHostile(
            new FrameDecoder(sink, max, Number.POSITIVE_INFINITY, boundedAllocator(max)),
            bytes,
            sizes,
          )
          for (const frame of sink.frames) {
            assert.ok(frame.body.byteLength <= max)
            assert.equal(frame.flags & ~(FLAG_MORE | FLAG_LONG | FLAG_COMMAND), 0)
            assert.ok((frame.flags & (FLAG_MORE | FLAG_COMMAND)) !== (FLAG_MORE | FLAG_COMMAND))
          }
        },
      ),
      FC_HOSTILE,
    )
  })

  it("hostile headers (any flags, sizes up to 2^64 - 1) decode or throw a ZmtpError", () => {
    fc.assert(
      fc.property(
        fc.array(hostileFrameArb, { minLength: 1, maxLength: 8 }),
        chunkSizes,
        fc.constantFrom(0, 255, 4096, 65536),
        (frames, sizes, max) => {
          const sink = recordingSink()
          const allocate = boundedAllocator(max)
          feedHostile(
            new FrameDecoder(sink, max, Number.POSITIVE_INFINITY, allocate),
            hostileBytes(frames),
            sizes,
          )
          for (const frame of sink.frames) assert.ok(frame.body.byteLength <= max)
        },
      ),
      FC_HOSTILE,
    )
  })

  it("mutated valid streams decode or throw a ZmtpError, and never allocate past the limit", () => {
    const mutation = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom("flip", "set", "cut", "insert"),
      value: fc.integer({ min: 0, max: 255 }),
    })
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 8 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        chunkSizes,
        (frames, mutations, sizes) => {
          let bytes = concat(frames.map(({ flags, body }) => encodeFrame(body, flags)))
          for (const { at, kind, value } of mutations) {
            const i = bytes.byteLength === 0 ? 0 : at % bytes.byteLength
            if (kind === "flip" && bytes.byteLength > 0) bytes[i]! ^= 1 << (value % 8)
            else if (kind === "set" && bytes.byteLength > 0) bytes[i] = value
            else if (kind === "cut") bytes = bytes.subarray(0, i)
            else bytes = concat([bytes.subarray(0, i), Uint8Array.of(value), bytes.subarray(i)])
          }
          const max = 4096
          const sink = recordingSink()
          feedHostile(
            new FrameDecoder(sink, max, Number.POSITIVE_INFINITY, boundedAllocator(max)),
            bytes,
            sizes,
          )
          for (const frame of sink.frames) assert.ok(frame.body.byteLength <= max)
        },
      ),
      FC_HOSTILE,
    )
  })

  it("refuses a declared size above the limit from its header alone", () => {
    for (const [header, max] of [
      [Uint8Array.of(0x00, 101), 100],
      [Uint8Array.of(0x02, 0, 0, 0, 1, 0, 0, 0, 0), 65536], // 4 GiB
      [Uint8Array.of(0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 65536],
    ] as const) {
      const decoder = new FrameDecoder(
        recordingSink(),
        max,
        Number.POSITIVE_INFINITY,
        boundedAllocator(max),
      )
      for (let i = 0; i < header.byteLength - 1; i++) decoder.push(header.subarray(i, i + 1))
      assert.throws(() => decoder.push(header.subarray(header.byteLength - 1)), ZmtpError)
    }
  })
})
