// Poller, merge() and socket.readable / writable, over tcp, ipc and inproc, with in-thread IO
// and an IO worker: a poll waits for readiness without taking a message, and the readiness it
// reports agrees with what receive() and send() then do.
import { strict as assert } from "node:assert"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, it } from "node:test"
import { type Context, merge, Poller, Pull, Push, Reply, Request } from "omq"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"

type Transport = "tcp" | "ipc" | "inproc"
const TRANSPORTS: readonly Transport[] = ["tcp", "ipc", "inproc"]

let count = 0
function endpointFor(transport: Transport): string {
  count++
  if (transport === "tcp") return "tcp://127.0.0.1:*"
  if (transport === "ipc") return `ipc://${join(tmpdir(), `omq-poller-${process.pid}-${count}`)}`
  return `inproc://poller-${count}`
}

forEachIoThreads("Poller", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const options = { context: ctx, linger: 0 }

  /** A PUSH connected to a bound PULL over `transport`. */
  async function pushPull(transport: Transport): Promise<{ push: Push; pull: Pull }> {
    const pull = sockets.add(new Pull(options))
    const push = sockets.add(new Push(options))
    const asked = endpointFor(transport)
    await pull.bind(asked)
    push.connect(transport === "tcp" ? pull.lastEndpoint! : asked)
    return { push, pull }
  }

  for (const transport of TRANSPORTS) {
    it(`waits for readable without taking the message, and agrees with receive() (${transport})`, async () => {
      const { push, pull } = await pushPull(transport)
      const poller = new Poller()
      poller.add(pull)
      assert.equal(pull.readable, false)
      assert.deepEqual(await poller.poll(0), [])
      const polled = poller.poll(5_000)
      await push.send("one")
      await push.send("two")
      const ready = await polled
      assert.equal(ready.length, 1)
      assert.equal(ready[0]!.socket, pull)
      assert.equal(ready[0]!.readable, true)
      assert.equal(pull.readable, true)
      // Nothing was taken: both messages are still there, in order.
      assert.deepEqual((await pull.receive()).map(String), ["one"])
      // "two" may still be on its way (it can come in a later batch than "one").
      assert.equal((await poller.poll(5_000)).length, 1, "readable again with one left")
      assert.deepEqual((await pull.receive()).map(String), ["two"])
      assert.equal(pull.readable, false)
      assert.deepEqual(await poller.poll(0), [])
      poller.close()
    })

    it(`REQ/REP readiness follows their turns (${transport})`, async () => {
      const rep = sockets.add(new Reply(options))
      const req = sockets.add(new Request(options))
      const asked = endpointFor(transport)
      await rep.bind(asked)
      req.connect(transport === "tcp" ? rep.lastEndpoint! : asked)
      const poller = new Poller()
      poller.add(rep, { readable: true, writable: true })
      poller.add(req, { readable: true, writable: true })
      // Only the REQ may act: it has a pipe and owes nothing.
      assert.deepEqual(
        (await poller.poll(5_000)).map((r) => [r.socket === req, r.readable, r.writable]),
        [[true, false, true]],
      )
      await req.send("question")
      assert.equal(req.writable, false, "a REQ owes a receive")
      // Now only the REP may act, by receiving.
      const [ready] = await poller.poll(5_000)
      assert.equal(ready!.socket, rep)
      assert.deepEqual([ready!.readable, ready!.writable], [true, false])
      await rep.receive()
      assert.deepEqual([rep.readable, rep.writable], [false, true])
      await rep.send("answer")
      const [back] = await poller.poll(5_000)
      assert.deepEqual([back!.socket === req, back!.readable, back!.writable], [true, true, false])
      assert.deepEqual((await req.receive()).map(String), ["answer"])
      assert.deepEqual([req.readable, req.writable], [false, true])
      poller.close()
    })
  }

  it("readiness changed by the application's own calls reaches the poller", async () => {
    const rep = sockets.add(new Reply(options))
    const req = sockets.add(new Request(options))
    await rep.bind("inproc://poller-own-calls")
    req.connect("inproc://poller-own-calls")
    const poller = new Poller()
    poller.add(req, { writable: true })
    assert.equal((await poller.poll(5_000))[0]?.socket, req)
    await req.send("q") // not writable now: only the application's receive() makes it so again
    assert.deepEqual(await poller.poll(0), [])
    await rep.receive()
    await rep.send("a")
    // Wait for the reply (readable), then poll for writable only: the REQ is looked at and
    // found not writable, so only a notice from its receive() can bring it back.
    poller.modify(req, { readable: true })
    assert.deepEqual(
      (await poller.poll(5_000)).map((r) => [r.readable, r.writable]),
      [[true, false]],
    )
    poller.modify(req, { writable: true })
    assert.deepEqual(await poller.poll(0), [])
    await req.receive()
    const [ready] = await poller.poll(0)
    assert.deepEqual([ready?.socket === req, ready?.writable], [true, true])
    poller.close()
  })

  it("a PUSH is writable once it has a pipe, and not after close", async () => {
    const push = sockets.add(new Push(options))
    const poller = new Poller()
    poller.add(push, { writable: true })
    assert.equal(push.writable, false, "no peer yet")
    assert.deepEqual(await poller.poll(0), [])
    const polled = poller.poll(5_000)
    push.connect("inproc://poller-writable") // the pipe exists at once, before any bind
    const [ready] = await polled
    assert.deepEqual([ready!.socket, ready!.writable, ready!.readable], [push, true, false])
    push.close()
    assert.equal(push.writable, false)
    assert.deepEqual(await poller.poll(0), [])
    poller.close()
  })

  it("poll resolves [] at its timeout, rejects on abort, and EINVAL guards the set", async () => {
    const pull = sockets.add(new Pull(options))
    const poller = new Poller()
    poller.add(pull)
    assert.throws(() => poller.add(pull), { code: "EINVAL" })
    assert.throws(() => poller.modify(sockets.add(new Pull(options)), {}), { code: "EINVAL" })
    const started = Date.now()
    assert.deepEqual(await poller.poll(50), [])
    assert.ok(Date.now() - started >= 45, "waited for its timeout")
    const abort = new AbortController()
    const polled = poller.poll(-1, abort.signal)
    abort.abort(new Error("stop"))
    await assert.rejects(polled, /stop/)
    poller.remove(pull)
    assert.equal(poller.size, 0)
    assert.throws(() => poller.remove(pull), { code: "EINVAL" })
    poller.close()
  })

  it("merge() receives from several sockets, each in order, and stops on abort", async () => {
    const pairs = await Promise.all([pushPull("inproc"), pushPull("tcp"), pushPull("ipc")])
    for (const [i, { push }] of pairs.entries()) {
      for (let n = 0; n < 5; n++) await push.send(`${i}:${n}`)
    }
    const abort = new AbortController()
    const got = new Map<Pull, string[]>()
    for await (const [socket, message] of merge(...pairs.map((p) => p.pull), {
      signal: abort.signal,
    })) {
      const list = got.get(socket) ?? []
      list.push(String(message[0]))
      got.set(socket, list)
      if ([...got.values()].reduce((n, l) => n + l.length, 0) === 15) abort.abort()
    }
    for (const [i, { pull }] of pairs.entries()) {
      assert.deepEqual(
        got.get(pull),
        [0, 1, 2, 3, 4].map((n) => `${i}:${n}`),
      )
    }
  })

  it("merge() ends when every socket is closed", async () => {
    const { pull } = await pushPull("inproc")
    const iterating = (async () => {
      for await (const _ of merge(pull)) assert.fail("nothing was sent")
    })()
    pull.close()
    await iterating
  })
})
