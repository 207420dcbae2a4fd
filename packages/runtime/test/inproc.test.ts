// inproc:// within one thread: what the spec matrix does not cover on its own. Sockets made by
// one thread meet directly (no IO thread); a pipe made by connect() holds messages until the
// bound socket takes it, through close() with a linger, as in libzmq.
import assert from "node:assert/strict"
import { afterEach, describe, it } from "node:test"
import { Context, Pair, Pull, Push, Subscriber, XPublisher } from "omq"
import { Sockets } from "./helpers/interop.js"
import { text } from "./helpers/spec.js"

let names = 0
const name = (): string => `inproc://inproc-test-${names++}`

describe("inproc within one thread", { timeout: 10_000 }, () => {
  const ctx = new Context({ ioThreads: 0 })
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())

  it("a PUSH closed right after send() still delivers (default linger), bound or not yet", async () => {
    for (const bindFirst of [true, false]) {
      const endpoint = name()
      const pull = sockets.add(new Pull({ context: ctx, receiveTimeout: 2000 }))
      if (bindFirst) await pull.bind(endpoint)
      const push = new Push({ context: ctx })
      push.connect(endpoint)
      await push.send(["hello", String(bindFirst)])
      push.close()
      if (!bindFirst) await pull.bind(endpoint)
      assert.deepEqual(text(await pull.receive()), ["hello", String(bindFirst)])
      await push.finished
    }
  })

  it("with linger 0, what a connect held for a name nobody bound is dropped at close", async () => {
    const endpoint = name()
    const push = new Push({ context: ctx, linger: 0 })
    push.connect(endpoint)
    await push.send("dropped")
    push.close()
    await push.finished
    const pull = sockets.add(new Pull({ context: ctx, receiveTimeout: 100 }))
    await pull.bind(endpoint)
    await assert.rejects(pull.receive(), { code: "EAGAIN" })
  })

  it("frames are handed over without a copy", async () => {
    const endpoint = name()
    const pull = sockets.add(new Pull({ context: ctx }))
    await pull.bind(endpoint)
    const push = sockets.add(new Push({ context: ctx }))
    push.connect(endpoint)
    const frame = Buffer.alloc(1 << 20, 7)
    await push.send(frame)
    const [got] = await pull.receive()
    assert.equal(got!.buffer, frame.buffer, "the receiver's frame is the sender's memory")
  })

  it("subscriptions reach an XPUB, and a SUB gets only its topics", async () => {
    const endpoint = name()
    const pub = sockets.add(new XPublisher({ context: ctx }))
    await pub.bind(endpoint)
    const sub = sockets.add(new Subscriber({ context: ctx }))
    sub.connect(endpoint)
    sub.subscribe("a")
    assert.deepEqual(text(await pub.receive()), ["\u0001a"])
    await pub.send(["b", "not for us"])
    await pub.send(["a", "for us"])
    assert.deepEqual(text(await sub.receive()), ["a", "for us"])
  })

  it("an incompatible peer is refused with handshake:error:protocol on both sides", async () => {
    const endpoint = name()
    const pull = sockets.add(new Pull({ context: ctx }))
    const refused = new Promise((resolve) => pull.events.on("handshake:error:protocol", resolve))
    await pull.bind(endpoint)
    const pair = sockets.add(new Pair({ context: ctx, sendTimeout: 100 }))
    const mine = new Promise((resolve) => pair.events.on("handshake:error:protocol", resolve))
    pair.connect(endpoint)
    const [theirs, ours] = (await Promise.all([refused, mine])) as { error: { code: string } }[]
    assert.equal(theirs!.error.code, "ERR_ZMTP_INVALID_METADATA")
    assert.equal(ours!.error.code, "ERR_ZMTP_INVALID_METADATA")
    await assert.rejects(pair.send("nobody"), { code: "EAGAIN" })
  })
})
