import assert from "node:assert/strict"
import { it } from "node:test"
import { curveKeyPair, Pull, Push } from "omq"
import { forEachIoThreads, freePort } from "./helpers/interop.js"

// Large messages leave the ring's single-record path: frames of 128 KiB to 256 KiB are streamed
// in chunks, larger ones cross by transfer. Both must keep messages whole and in order, also
// when several connections stream at the same time into one socket.
forEachIoThreads("large messages", (context) => {
  it("stay whole when two peers stream into one PULL at once", async () => {
    const pull = new Pull({ context, linger: 0 })
    await pull.bind("tcp://127.0.0.1:*")
    const pushes = [1, 2].map(() => new Push({ context, linger: 0 }))
    for (const push of pushes) push.connect(pull.lastEndpoint!)
    const sizes = [200_000, 300_000, 140_000, 1 << 20, 180_000]
    await Promise.all(
      pushes.map(async (push, p) => {
        for (const [i, size] of sizes.entries()) {
          await push.send([`p${p}`, `m${i}`, Buffer.alloc(size, 10 * p + i), "tail"])
        }
      }),
    )
    const next = [0, 0]
    for (let k = 0; k < 2 * sizes.length; k++) {
      const [who, seq, body, tail] = await pull.receive()
      const p = Number(String(who).slice(1))
      const i = next[p]!++
      assert.equal(String(seq), `m${i}`, `peer ${p} in order`)
      assert.equal(body!.length, sizes[i])
      assert.ok(
        body!.every((b) => b === 10 * p + i),
        `peer ${p} message ${i} intact`,
      )
      assert.equal(String(tail), "tail")
    }
    for (const push of pushes) push.close()
    pull.close()
  })

  it("changing receiveHighWaterMark after bind does not stall the connection", async () => {
    const pull = new Pull({ context, linger: 0, receiveHighWaterMark: 10 })
    await pull.bind("tcp://127.0.0.1:*")
    pull.receiveHighWaterMark = 1000 // the connection keeps the limit it was made with
    const push = new Push({ context, linger: 0 })
    push.connect(pull.lastEndpoint!)
    const total = 3000
    const sending = (async () => {
      for (let i = 0; i < total; i++) await push.send(Buffer.alloc(2000, i % 256))
    })()
    for (let i = 0; i < total; i++) assert.equal((await pull.receive())[0]![0], i % 256)
    await sending
    push.close()
    pull.close()
  })

  it("a receive high-water mark of 1 still lets streamed messages through", async () => {
    // The limit used to be charged as a large message started, pausing its connection with
    // the rest of the message unread: nothing ever arrived.
    const pull = new Pull({ context, linger: 0, receiveHighWaterMark: 1 })
    await pull.bind("tcp://127.0.0.1:*")
    const push = new Push({ context, linger: 0 })
    push.connect(pull.lastEndpoint!)
    const sizes = [1 << 20, 200_000, 1 << 20, 150_000]
    for (const [i, size] of sizes.entries()) await push.send(["head", Buffer.alloc(size, i)])
    for (const [i, size] of sizes.entries()) {
      const [, body] = await pull.receive()
      assert.equal(body!.length, size)
      assert.equal(body![size - 1], i)
    }
    push.close()
    pull.close()
  })

  it("bounds large frames in flight: sends wait for memory to come back", async () => {
    const port = await freePort()
    const endpoint = `tcp://127.0.0.1:${port}`
    const push = new Push({ context, linger: 0 })
    push.connect(endpoint) // nobody there yet: messages queue on the IO side
    const MiB = Buffer.alloc(1 << 20, 5)
    for (let i = 0; i < 64; i++) await push.send(MiB) // 64 MiB: the whole budget
    push.sendTimeout = 300
    await assert.rejects(push.send(MiB), { code: "EAGAIN" })
    push.sendTimeout = -1
    const pull = new Pull({ context, linger: 0 })
    await pull.bind(endpoint)
    const last = push.send(["last", MiB]) // goes once written frames come back
    for (let i = 0; i < 64; i++) assert.equal((await pull.receive())[0]!.length, 1 << 20)
    await last
    assert.equal(String((await pull.receive())[0]), "last")
    push.close()
    pull.close()
  })

  it("gives the memory of dropped large frames back (disconnect with messages queued)", async () => {
    const push = new Push({ context, linger: 0, sendTimeout: 5000 })
    const nowhere = `tcp://127.0.0.1:${await freePort()}`
    push.connect(nowhere)
    const MiB = Buffer.alloc(1 << 20, 6)
    for (let i = 0; i < 64; i++) await push.send(MiB)
    push.disconnect(nowhere) // the 64 queued messages are dropped, their memory returned
    const pull = new Pull({ context, linger: 0 })
    await pull.bind("tcp://127.0.0.1:*")
    push.connect(pull.lastEndpoint!)
    await push.send(["after", MiB]) // would time out if the budget were still spent
    assert.equal(String((await pull.receive())[0]), "after")
    push.close()
    pull.close()
  })

  it("keep their order and frames over CURVE when sends wait for memory to come back", async () => {
    // 150 messages of 300 KB: more than the sender's 64 MiB of pooled memory, so later sends wait
    // for memory that comes back; under CURVE it comes back inside a write (each frame is copied
    // to be sealed), and a send served there used to jump the queue: into the middle of another
    // message, or ahead of the messages held until the handshake.
    const server = curveKeyPair()
    const client = curveKeyPair()
    const pull = new Pull({
      context,
      linger: 0,
      receiveHighWaterMark: 5,
      curveServer: true,
      curveSecretKey: server.secretKey,
    })
    await pull.bind("tcp://127.0.0.1:*")
    const push = new Push({
      context,
      linger: 0,
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
    })
    push.connect(pull.lastEndpoint!)
    const count = 150
    const sending = (async () => {
      for (let i = 0; i < count; i++) {
        await push.send([Buffer.alloc(300_000, i), Buffer.alloc(20_000, 255 - i)])
      }
    })()
    for (let i = 0; i < count; i++) {
      const [body, tail] = await pull.receive()
      assert.equal(body![0], i, `message ${i} in its place`)
      assert.ok(body!.every((b) => b === i) && tail!.every((b) => b === 255 - i))
    }
    await sending
    push.close()
    pull.close()
  })

  // 1000-byte messages fill the ring (so later ones wait in the backlog) before the peer reads.
  for (const size of [1000, 200_000, 400_000]) {
    it(`a sender may reuse a ${size}-byte buffer once send() resolves`, async () => {
      await reuseAfterSend(size)
    })
  }

  async function reuseAfterSend(size: number): Promise<void> {
    const pull = new Pull({ context, linger: 0 })
    await pull.bind("tcp://127.0.0.1:*")
    const push = new Push({ context, linger: 0 })
    push.connect(pull.lastEndpoint!)
    const buffer = Buffer.alloc(size)
    const count = size < 100_000 ? 900 : 4
    for (let i = 0; i < count; i++) {
      buffer.fill((i % 250) + 1)
      await push.send(buffer)
    }
    for (let i = 0; i < count; i++) {
      const [body] = await pull.receive()
      assert.ok(
        body!.every((b) => b === (i % 250) + 1),
        `message ${i} kept its own bytes`,
      )
    }
    push.close()
    pull.close()
  }
})
