import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Worker } from "node:worker_threads"
import { createRing, RingReader, RingWriter } from "../src/ring/ring-buffer.js"

describe("ring buffer", () => {
  it("rejects capacities that are not powers of two", () => {
    assert.throws(() => createRing(1000), RangeError)
    assert.throws(() => createRing(32), RangeError)
  })

  it("passes records in order through many wrap-arounds", () => {
    const ring = createRing(256)
    const w = new RingWriter(ring)
    const r = new RingReader(ring)
    let next = 0
    for (let seq = 0; seq < 5000; seq++) {
      const size = 8 + (seq % 61)
      let at = w.reserve(size)
      if (at < 0) {
        // Full: drain everything, then the reservation must succeed.
        for (let p = r.next(); p >= 0; p = r.next()) {
          assert.equal(r.view.getUint32(p + 4, true), next++)
          r.advance(r.view.getUint32(p, true))
        }
        r.release()
        at = w.reserve(size)
      }
      assert.ok(at >= 0 && at + size <= w.capacity, `record ${seq} fits inside the data area`)
      w.view.setUint32(at, size, true)
      w.view.setUint32(at + 4, seq, true)
      w.commit(size)
    }
    for (let p = r.next(); p >= 0; p = r.next()) {
      assert.equal(r.view.getUint32(p + 4, true), next++)
      r.advance(r.view.getUint32(p, true))
    }
    assert.equal(next, 5000)
  })

  it("reports a full ring instead of overwriting unread records", () => {
    const ring = createRing(64)
    const w = new RingWriter(ring)
    assert.equal(w.reserve(32), 0)
    w.commit(32)
    assert.equal(w.reserve(32), 32)
    w.commit(32)
    assert.equal(w.reserve(4), -1)
  })

  it("grows in place while the reader is behind, and wraps early while it keeps up", () => {
    const ring = createRing(64, 1024)
    const w = new RingWriter(ring)
    const r = new RingReader(ring)
    const write = (seq: number): void => {
      const at = w.reserve(16)
      assert.ok(at >= 0, `record ${seq} found no room`)
      w.view.setUint32(at, 16, true)
      w.view.setUint32(at + 4, seq, true)
      w.commit(16)
    }
    const readAll = (from: number, to: number): void => {
      for (let seq = from; seq < to; seq++) {
        const at = r.next()
        assert.ok(at >= 0, `record ${seq} missing`)
        assert.equal(r.view.getUint32(at + 4, true), seq)
        r.advance(16)
      }
      assert.equal(r.next(), -1)
      r.release()
    }
    // 40 records of 16 bytes (640) unread: the 64 bytes it started with grow to 1024.
    for (let seq = 0; seq < 40; seq++) write(seq)
    assert.equal(ring.sab.byteLength - 32, 1024)
    assert.equal(w.reserve(16 * 25), -1, "the capacity bounds it")
    readAll(0, 40)
    // A reader that keeps up: thousands of records through a small ring that does not grow.
    const small = createRing(64, 1024)
    const sw = new RingWriter(small)
    const sr = new RingReader(small)
    for (let seq = 0; seq < 5000; seq++) {
      const at = sw.reserve(16)
      sw.view.setUint32(at, 16, true)
      sw.view.setUint32(at + 4, seq, true)
      sw.commit(16)
      const got = sr.next()
      assert.equal(sr.view.getUint32(got + 4, true), seq)
      sr.advance(16)
      sr.release()
    }
    assert.equal(small.sab.byteLength - 32, 64)
  })

  it("loses no wake-up between a worker producer and an event-loop consumer", async () => {
    const ring = createRing(4096)
    const count = 100_000
    const reader = new RingReader(ring)
    const worker = new Worker(new URL("./fixtures/ring-producer.js", import.meta.url), {
      workerData: { ring, count },
    })
    // A pending Atomics.waitAsync does not keep the event loop alive; a socket's port does that
    // in the runtime, a timer does it here.
    const keepAlive = setInterval(() => {}, 1000)
    let seq = 0
    while (seq < count) {
      let at = reader.next()
      if (at < 0) {
        await reader.waitForData()
        continue
      }
      while (at >= 0) {
        const size = reader.view.getUint32(at, true)
        assert.equal(size, 9 + ((seq * 2654435761) % 997))
        assert.equal(reader.view.getUint32(at + 4, true), seq)
        assert.equal(reader.bytes[at + size - 1], seq & 0xff)
        reader.advance(size)
        seq++
        at = reader.next()
      }
      reader.release()
    }
    clearInterval(keepAlive)
    assert.equal(seq, count)
    assert.equal(await new Promise((resolve) => worker.once("exit", resolve)), 0)
  })

  it("a quiet commit leaves a sleeping reader asleep; wake() or the next commit wakes it", async () => {
    const ring = createRing(64)
    const reader = new RingReader(ring)
    const writer = new RingWriter(ring)
    const keepAlive = setInterval(() => {}, 1000)
    const write = (quiet: boolean): void => {
      writer.view.setUint32(writer.reserve(8), 8, true)
      writer.commit(8, quiet)
    }
    for (const wakeBy of ["wake", "commit"]) {
      let woken = false
      const sleeping = reader.waitForData().then(() => {
        woken = true
      })
      write(true)
      await new Promise((resolve) => setImmediate(resolve))
      assert.equal(woken, false, "a quiet commit woke the reader")
      if (wakeBy === "wake") writer.wake()
      else write(false)
      await sleeping
      while (reader.next() >= 0) reader.advance(8) // one record, or two
      reader.release()
    }
    clearInterval(keepAlive)
  })

  it("wakes a sleeping reader when the ring is closed", async () => {
    const ring = createRing(64)
    const reader = new RingReader(ring)
    const keepAlive = setInterval(() => {}, 1000)
    const sleeping = reader.waitForData()
    new RingWriter(ring).close()
    await sleeping
    clearInterval(keepAlive)
    assert.equal(reader.closed, true)
  })
})
