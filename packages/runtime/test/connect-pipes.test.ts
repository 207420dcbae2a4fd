import assert from "node:assert/strict"
import { it } from "node:test"
import { Pull, Push } from "omq"
import { forEachIoThreads, freePort } from "./helpers/interop.js"

// libzmq creates a connect()'s pipe at once (without `immediate`), so a PUSH round-robins over
// every endpoint it connected to, even before any connection is up.
forEachIoThreads("connect() pipes", (context) => {
  it("round-robins over connected endpoints before their peers bind", async () => {
    const ports = [await freePort(), await freePort()]
    const endpoints = ports.map((p) => `tcp://127.0.0.1:${p}`)
    const push = new Push({ context, linger: 0 })
    for (const ep of endpoints) push.connect(ep)
    for (let i = 0; i < 6; i++) await push.send(`m${i}`)

    const pulls = endpoints.map(() => new Pull({ context, linger: 0 }))
    await Promise.all(pulls.map((pull, i) => pull.bind(endpoints[i]!)))
    const got: string[][] = [[], []]
    for (const [i, pull] of pulls.entries()) {
      for (let k = 0; k < 3; k++) got[i]!.push(String((await pull.receive())[0]))
    }
    assert.deepEqual(got, [
      ["m0", "m2", "m4"],
      ["m1", "m3", "m5"],
    ])
    push.close()
    for (const pull of pulls) pull.close()
  })

  it("delivers large messages sent while the connection comes up, whole and in order", async () => {
    const port = await freePort()
    const endpoint = `tcp://127.0.0.1:${port}`
    const push = new Push({ context, linger: 0 })
    push.connect(endpoint)
    const sizes = [300_000, 200_000, 1 << 20, 150_000, 700_000, 300_000]
    const sending = (async () => {
      for (const [i, size] of sizes.entries()) await push.send([`m${i}`, Buffer.alloc(size, i + 1)])
    })()
    const pull = new Pull({ context, linger: 0 })
    await pull.bind(endpoint)
    await sending
    for (const [i, size] of sizes.entries()) {
      const [head, body] = await pull.receive()
      assert.equal(String(head), `m${i}`)
      assert.equal(body!.length, size)
      assert.ok(
        body!.every((b) => b === i + 1),
        `message ${i} intact`,
      )
    }
    push.close()
    pull.close()
  })

  it("with immediate, queues only to completed connections", async () => {
    const pull = new Pull({ context, linger: 0 })
    await pull.bind("tcp://127.0.0.1:*")
    const deadPort = await freePort()
    const push = new Push({ context, linger: 0, immediate: true, sendTimeout: 2000 })
    push.connect(`tcp://127.0.0.1:${deadPort}`)
    push.connect(pull.lastEndpoint!)
    for (let i = 0; i < 4; i++) await push.send(`m${i}`)
    for (let i = 0; i < 4; i++) assert.equal(String((await pull.receive())[0]), `m${i}`)
    push.close()
    pull.close()
  })

  it("with immediate, disconnect() destroys the unread messages of that connection", async () => {
    const push = new Push({ context, linger: 0 })
    await push.bind("tcp://127.0.0.1:*")
    const pull = new Pull({ context, linger: 0, immediate: true })
    pull.connect(push.lastEndpoint!)
    await push.send("one")
    await push.send("two") // arrives with "one", or is on its way: gone either way
    assert.equal(String((await pull.receive())[0]), "one")
    pull.disconnect(push.lastEndpoint!)
    pull.receiveTimeout = 200
    await assert.rejects(pull.receive(), { code: "EAGAIN" })
    push.close()
    pull.close()
  })

  it("a connect that fails without reconnection drops its pipe: close() with linger -1 ends", {
    timeout: 20_000, // the failure: finished never settled
  }, async () => {
    const push = new Push({ context, linger: -1, reconnectInterval: -1 })
    // The attempt's end: its `close` event (no retry follows without reconnection).
    const attemptClosed = new Promise((resolve) => push.events.on("close", resolve))
    push.connect(`tcp://127.0.0.1:${await freePort()}`) // nobody listens: refused at once
    await push.send("undeliverable") // queued on the connect pipe
    await attemptClosed
    push.close()
    await push.finished
    assert.equal(push.closed, true)
  })

  it("disconnect() of an endpoint never connected throws ENOENT", () => {
    const push = new Push({ context, linger: 0 })
    assert.throws(() => push.disconnect("tcp://127.0.0.1:1"), { code: "ENOENT" })
    push.close()
  })
})
