// In-process micro-benchmarks of the hot paths, with tinybench:
//   node bench/codec-micro.js
// - the ZMTP frame decoder on a stream of 64 B frames,
// - one SAB ring record written and read back (64 B and 1 KiB),
// These have no zeromq.js counterpart, so the table shows rates only.
import { FrameDecoder, writeFrameHeader } from "@omq/transport/zmtp"
import { createRing, RingReader, RingWriter } from "omq/internal"
import { Bench } from "tinybench"

const FRAMES = 1000
const body = new Uint8Array(64).fill(7)
const stream = new Uint8Array(FRAMES * 66)
for (let i = 0, at = 0; i < FRAMES; i++) {
  at = writeFrameHeader(stream, at, 0, body.byteLength)
  stream.set(body, at)
  at += body.byteLength
}
let frames = 0
const decoder = new FrameDecoder({ onFrame: () => frames++ })

const ring = createRing(1 << 19)
const writer = new RingWriter(ring)
const reader = new RingReader(ring)
function roundTrip(payload) {
  const size = 8 + payload.byteLength
  const at = writer.reserve(size)
  writer.view.setUint32(at, size, true)
  writer.bytes.set(payload, at + 8)
  writer.commit(size)
  const r = reader.next()
  const out = Buffer.allocUnsafe(payload.byteLength)
  out.set(reader.bytes.subarray(r + 8, r + size))
  reader.advance(size)
  reader.release()
  return out
}
const kib = new Uint8Array(1024).fill(3)

const bench = new Bench({ time: 500 })
bench
  .add(`decode ${FRAMES} x 64 B frames`, () => decoder.push(stream))
  .add("ring record 64 B write+read", () => roundTrip(body))
  .add("ring record 1 KiB write+read", () => roundTrip(kib))
await bench.run()
console.table(bench.table())
console.log(`(decoded ${frames} frames in total)`)
