import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { TransferPool } from "../src/ring/transfer-pool.js"

describe("transfer pool", () => {
  it("hands out shared memory by default and plain memory when asked", () => {
    const pool = new TransferPool()
    assert.ok(pool.take(70_000).buffer instanceof SharedArrayBuffer)
    const plain = pool.take(70_000, false)
    assert.ok(!(plain.buffer instanceof SharedArrayBuffer))
    assert.equal(plain.byteLength, 70_000)
    assert.equal(plain.buffer.byteLength, 128 * 1024) // its size class
  })

  it("reuses a returned buffer only for a take of the same kind", () => {
    const pool = new TransferPool()
    const shared = pool.take(65_536)
    const plain = pool.take(65_536, false)
    pool.put(shared.buffer)
    pool.put(plain.buffer)
    assert.equal(pool.take(1000 * 60, false).buffer, plain.buffer)
    assert.equal(pool.take(65_536).buffer, shared.buffer)
    assert.notEqual(pool.take(65_536, false).buffer, plain.buffer) // taken already: a new one
  })

  it("counts both kinds against one budget of memory in flight", () => {
    const pool = new TransferPool(256 * 1024)
    const plain = pool.take(128 * 1024, false)
    pool.take(128 * 1024)
    assert.equal(pool.hasRoomFor(1), false)
    let returned = 0
    pool.onReturn = () => returned++
    pool.put(plain.buffer)
    assert.equal(returned, 1)
    assert.equal(pool.hasRoomFor(128 * 1024), true)
  })
})
