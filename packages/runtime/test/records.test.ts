import assert from "node:assert/strict"
import { describe, it } from "node:test"
import fc from "fast-check"
import { RecordKind, readFrames, recordSize, writeRecord } from "../src/ring/records.js"
import { createRing, RingReader, RingWriter } from "../src/ring/ring-buffer.js"

// Fixed seed: a failure reproduces on every run and machine.
const FC = { seed: 0x8a11, numRuns: 200 }

/** Frames of odd sizes, as views at odd offsets of their memory (a sender's subarrays). */
const messages = fc.array(
  fc.tuple(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 7 })),
  { minLength: 1, maxLength: 6 },
)

describe("ring records", () => {
  it("carry multipart messages whole, each frame's bytes 8-byte aligned in the ring and out of it", () => {
    const ring = createRing(1 << 16)
    const writer = new RingWriter(ring)
    const reader = new RingReader(ring)
    fc.assert(
      fc.property(messages, (parts) => {
        const frames = parts.map(([bytes, offset]) => {
          const memory = new Uint8Array(offset + bytes.byteLength)
          memory.set(bytes, offset)
          return memory.subarray(offset)
        })
        const size = recordSize(frames)
        const at = writer.reserve(size)
        assert.ok(at >= 0)
        writeRecord(
          writer.bytes,
          writer.view,
          at,
          size,
          RecordKind.Message,
          0,
          7,
          frames.length,
          frames,
        )
        writer.commit(size)
        const got = reader.next()
        assert.equal(got, at)
        assert.equal(got % 8, 0, "records start 8-byte aligned")
        // In the ring: each length word sits right before 8-aligned bytes.
        let p = got + 16
        for (const f of frames) {
          while ((p + 4) % 8 !== 0) p++
          assert.equal(reader.view.getUint32(p, true), f.byteLength)
          assert.deepEqual(reader.bytes.subarray(p + 4, p + 4 + f.byteLength), f)
          p += 4 + f.byteLength
        }
        assert.equal(p - got, size, "the record ends after its last frame")
        const out = readFrames(reader.bytes, reader.view, got)
        assert.deepEqual(
          out.map((f) => [...f]),
          frames.map((f) => [...f]),
        )
        for (const f of out) assert.equal(f.byteOffset % 8, 0, "each frame read out is aligned")
        reader.advance(size)
        reader.release()
      }),
      FC,
    )
  })
})
