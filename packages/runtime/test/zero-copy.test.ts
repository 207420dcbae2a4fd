// zeroCopy(): a large frame the application gives up is written from its own memory by a host on
// the socket's thread (ioThreads: 0), and copied as any other where it must cross threads.
import { strict as assert } from "node:assert"
import { it } from "node:test"
import { type Context, Pull, Push, zeroCopy } from "omq"
import { forEachIoThreads, freeEndpoint, Sockets } from "./helpers/interop.js"

forEachIoThreads("zeroCopy", (context: Context, ioThreads: number) => {
  const sockets = new Sockets()
  const sentFrom = ioThreads === 0 ? "the caller's memory" : "a copy"

  it(`a given-up frame goes out from ${sentFrom}`, async () => {
    // The peer is not there yet, so the message waits in the pipe: a change made to the buffer
    // after send() shows whether the pipe holds that memory or a copy of it.
    const endpoint = await freeEndpoint()
    const push = sockets.add(new Push({ context, linger: 0 }))
    push.connect(endpoint)
    const body = Buffer.alloc(100_000, 1)
    const small = Buffer.alloc(100, 1) // under 8 KiB: always copied into the output
    await push.send([zeroCopy(small), zeroCopy(body)])
    body.fill(2)
    small.fill(2)
    const pull = sockets.add(new Pull({ context, linger: 0 }))
    await pull.bind(endpoint)
    const [first, second] = await pull.receive()
    assert.ok(first!.every((b) => b === 1))
    const expected = ioThreads === 0 ? 2 : 1
    assert.ok(
      second!.every((b) => b === expected),
      `the body arrived as ${second![0]}s`,
    )
    await sockets.closeAll()
  })

  it("the mark holds for one send(): a later plain send() of the same buffer is copied", async () => {
    const endpoint = await freeEndpoint()
    const push = sockets.add(new Push({ context, linger: 0 }))
    push.connect(endpoint)
    const body = Buffer.alloc(100_000, 1)
    await push.send(zeroCopy(body))
    body.fill(2)
    await push.send(body)
    body.fill(3)
    const pull = sockets.add(new Pull({ context, linger: 0 }))
    await pull.bind(endpoint)
    const [first] = await pull.receive()
    const [second] = await pull.receive()
    assert.equal(first![0], ioThreads === 0 ? 3 : 1) // given up: whatever the memory holds
    assert.ok(
      second!.every((b) => b === 2),
      `the plain send arrived as ${second![0]}s`,
    )
    await sockets.closeAll()
  })

  it("views and buffers of any kind become Uint8Arrays over the same memory", () => {
    const buffer = new ArrayBuffer(16)
    const view = new DataView(buffer, 4, 8)
    const fromView = zeroCopy(view)
    assert.ok(fromView instanceof Uint8Array)
    assert.equal(fromView.buffer, buffer)
    assert.deepEqual([fromView.byteOffset, fromView.byteLength], [4, 8])
    assert.equal(zeroCopy(buffer).byteLength, 16)
    const bytes = Buffer.alloc(4)
    assert.equal(zeroCopy(bytes), bytes)
  })
})
