import assert from "node:assert/strict"
import { it } from "node:test"
import { Dealer, Pull, Push, Router } from "omq"
import * as zmq from "zeromq"
import { forEachIoThreads, freePort } from "./helpers/interop.js"

forEachIoThreads("conflate", (context) => {
  it("keeps only the newest waiting message", async () => {
    const pull = new Pull({ context, linger: 0, conflate: true })
    await pull.bind("tcp://127.0.0.1:*")
    const push = new Push({ context, linger: 0 })
    push.connect(pull.lastEndpoint!)
    const total = 10_000
    for (let i = 0; i < total; i++) await push.send(`${i}`)
    await push.send("end")
    let received = 0
    let previous = -1
    for (;;) {
      const [frame] = await pull.receive()
      if (String(frame) === "end") break
      const n = Number(String(frame))
      assert.ok(n > previous, "newer messages only, in order")
      previous = n
      received++
    }
    // Messages arrive in batches per tcp read; each batch leaves only its newest behind.
    assert.ok(received < total, `dropped older messages (kept ${received} of ${total})`)
    pull.receiveTimeout = 100
    await assert.rejects(pull.receive(), { code: "EAGAIN" }) // nothing older is left
    push.close()
    pull.close()
  })

  for (const [name, Sender, Receiver] of [
    ["PUSH → PULL", Push, Pull],
    ["DEALER → DEALER", Dealer, Dealer],
  ] as const) {
    it(`${name}: a conflating sender keeps only its newest message while the peer is away`, async () => {
      const port = await freePort()
      const endpoint = `tcp://127.0.0.1:${port}`
      // A high-water mark of 2 would make the third send wait; conflate lifts it.
      const sender = new Sender({ context, linger: 0, conflate: true, sendHighWaterMark: 2 })
      sender.connect(endpoint)
      for (let i = 1; i <= 10; i++) await sender.send(`${i}`)
      const receiver = new Receiver({ context, linger: 0 })
      await receiver.bind(endpoint)
      assert.deepEqual((await receiver.receive()).map(String), ["10"]) // once it reconnects
      receiver.receiveTimeout = 200
      await assert.rejects(receiver.receive(), { code: "EAGAIN" }) // 1 to 9 were replaced
      sender.close()
      receiver.close()
    })
  }

  it("a conflating sender facing a slow reader never waits, and its newest message arrives last", async () => {
    const pull = new Pull({ context, linger: 0, receiveHighWaterMark: 1 })
    await pull.bind("tcp://127.0.0.1:*")
    const push = new Push({ context, linger: 0, conflate: true })
    push.connect(pull.lastEndpoint!)
    const big = (n: number): Buffer => Buffer.alloc(1 << 20, n)
    const total = 50 // 50 MiB: more than the kernel's buffers and the reader hold together
    for (let n = 0; n < total; n++) await push.send(big(n))
    const seen: number[] = []
    while (seen.at(-1) !== total - 1) {
      const [frame] = await pull.receive()
      seen.push(frame![0]!)
    }
    assert.ok(seen.length < total, `older messages were replaced (received ${seen.length})`)
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
      "in order",
    )
    push.close()
    pull.close()
  })

  it("conflate is ignored where libzmq ignores it (ROUTER)", async () => {
    const router = new Router({ context, linger: 0, conflate: true })
    await router.bind("tcp://127.0.0.1:*")
    const dealer = new Dealer({ context, linger: 0, routingId: "d" })
    dealer.connect(router.lastEndpoint!)
    for (const m of ["a", "b", "c"]) await dealer.send(m)
    await dealer.send("end")
    const got: string[] = []
    while (got.at(-1) !== "end") got.push(String((await router.receive())[1]))
    assert.deepEqual(got, ["a", "b", "c", "end"])
    dealer.close()
    router.close()
  })

  it("a conflating send loop is still held back while the IO side catches up", async () => {
    // Nothing limits a conflating sender but the ring to the IO side: once that is full, send()
    // must wait (yielding to the event loop) rather than queue copies without bound.
    const port = await freePort()
    const push = new Push({ context, linger: 0, conflate: true })
    push.connect(`tcp://127.0.0.1:${port}`) // nobody there: the IO side only replaces
    let yielded = 0
    const ticker = setInterval(() => yielded++, 0)
    const body = Buffer.alloc(1024)
    for (let i = 0; i < 20_000; i++) await push.send(body) // 20 MB: forty times the ring
    clearInterval(ticker)
    assert.ok(yielded > 0, "the loop waited for the IO side at least once")
    push.close()
  })

  it("options apply to pipes made after they change, as in libzmq", async () => {
    const port = await freePort()
    const endpoint = `tcp://127.0.0.1:${port}`
    const push = new Push({ context, linger: 0, sendHighWaterMark: 2, sendTimeout: 200 })
    push.connect(endpoint) // this pipe keeps a limit of 2 and does not conflate
    push.conflate = true
    await push.send("1")
    await push.send("2")
    await assert.rejects(push.send("3"), { code: "EAGAIN" })
    const pull = new Pull({ context, linger: 0 })
    await pull.bind(endpoint)
    assert.deepEqual((await pull.receive()).map(String), ["1"])
    assert.deepEqual((await pull.receive()).map(String), ["2"])
    push.close()
    pull.close()
  })

  it("a conflating reader with a receive limit of 1 reads the newest message, not the oldest", async () => {
    const pull = new Pull({ context, linger: 0, conflate: true, receiveHighWaterMark: 1 })
    await pull.bind("tcp://127.0.0.1:*")
    const push = new zmq.Push({ linger: 0 })
    push.connect(pull.lastEndpoint!)
    const total = 5000
    for (let i = 1; i <= total; i++) await push.send(`${i}`)
    // Read until the last one: each read returns something newer than the one before, and far
    // fewer reads than messages (held at the limit, the IO side keeps only the newest).
    let reads = 0
    let last = 0
    while (last !== total) {
      const n = Number(String((await pull.receive())[0]))
      assert.ok(n > last, `newer each time (${n} after ${last})`)
      last = n
      reads++
    }
    assert.ok(reads < total / 2, `${reads} reads for ${total} messages`)
    push.close()
    pull.close()
  })
})
