// Monitor events (`socket.events`), named and ordered as zeromq.js reports libzmq's, with
// libzmq peers on the other side where a peer is needed.
import assert from "node:assert/strict"
import { createServer, connect as netConnect } from "node:net"
import { afterEach, it } from "node:test"
import { type Context, Dealer, type Event, type EventType, type Observer, Pull, Router } from "omq"
import * as zmq from "zeromq"
import { boundEndpoint, forEachIoThreads, freePort, Sockets } from "./helpers/interop.js"

/** Reads events until one of `type` comes; returns it and the types seen before it. */
async function until(observer: Observer, type: EventType): Promise<[Event, EventType[]]> {
  const before: EventType[] = []
  for (;;) {
    const event = await observer.receive()
    if (event.type === type) return [event, before]
    before.push(event.type)
  }
}

forEachIoThreads("socket events", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  for (const peerIsZmq of [false, true]) {
    const peerName = peerIsZmq ? "a zmq peer" : "an omq peer"
    it(`bind, accept, handshake, disconnect, close and end, with ${peerName}`, async () => {
      const router = sockets.add(new Router(opts))
      const events = router.events
      await router.bind("tcp://127.0.0.1:*")
      const address = boundEndpoint(router)
      assert.deepEqual(await events.receive(), { type: "bind", address })

      const dealer = peerIsZmq ? new zmq.Dealer({ linger: 0 }) : new Dealer(opts)
      dealer.connect(address)
      assert.deepEqual(await events.receive(), { type: "accept", address })
      assert.deepEqual(await events.receive(), { type: "handshake", address })
      dealer.close()
      assert.deepEqual(await events.receive(), { type: "disconnect", address })

      router.close()
      assert.deepEqual(await events.receive(), { type: "close", address })
      assert.deepEqual(await events.receive(), { type: "end" })
      const rest: Event[] = []
      for await (const event of events) rest.push(event)
      assert.deepEqual(rest, [], "the observer ends with the socket")
      assert.equal(events.closed, true)
    })
  }

  it("connect side: delay, connect, handshake; then disconnect and retry when the peer goes", async () => {
    const zrouter = sockets.add(new zmq.Router({ linger: 0 }))
    await zrouter.bind("tcp://127.0.0.1:*")
    const address = boundEndpoint(zrouter)
    const dealer = sockets.add(new Dealer(opts))
    const events = dealer.events
    dealer.connect(address)
    assert.deepEqual(await events.receive(), { type: "connect:delay", address })
    assert.deepEqual(await events.receive(), { type: "connect", address })
    assert.deepEqual(await events.receive(), { type: "handshake", address })
    zrouter.close()
    assert.deepEqual(await events.receive(), { type: "disconnect", address })
    const retry = await events.receive()
    assert.equal(retry.type, "connect:retry")
    assert.ok(
      retry.type === "connect:retry" && retry.interval >= 20,
      "interval >= reconnectInterval",
    )
  })

  it("a failed attempt reports close and connect:retry, as libzmq does", async () => {
    const address = `tcp://127.0.0.1:${await freePort()}`
    const dealer = sockets.add(new Dealer(opts))
    const events = dealer.events
    dealer.connect(address)
    assert.deepEqual(await events.receive(), { type: "connect:delay", address })
    assert.deepEqual(await events.receive(), { type: "close", address })
    const [retry, before] = await until(events, "connect:retry")
    assert.deepEqual(before, [])
    assert.equal(retry.type === "connect:retry" && retry.address, address)
  })

  it("bind:error says why a bind failed", async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
    const port = (taken.address() as { port: number }).port
    try {
      const pull = sockets.add(new Pull(opts))
      const events = pull.events // events are kept from the first access on
      const address = `tcp://127.0.0.1:${port}`
      await assert.rejects(pull.bind(address), { code: "EADDRINUSE" })
      const event = await events.receive()
      assert.equal(event.type, "bind:error")
      assert.ok(event.type === "bind:error")
      assert.equal(event.address, `127.0.0.1:${port}`) // without the scheme, as libzmq's
      assert.equal(event.error.code, "EADDRINUSE")
    } finally {
      taken.close()
    }
  })

  it("an incompatible peer is reported (handshake:error:protocol) and dropped; others go on", async () => {
    const pull = sockets.add(new Pull(opts))
    await pull.bind("tcp://127.0.0.1:*")
    const address = boundEndpoint(pull)
    const events = pull.events
    const wrong = sockets.add(new zmq.Dealer({ linger: 0 }))
    wrong.connect(address)
    const [failure] = await until(events, "handshake:error:protocol")
    assert.ok(failure.type === "handshake:error:protocol")
    assert.equal(failure.address, address)
    assert.equal(failure.error.code, "ERR_ZMTP_INVALID_METADATA")
    // message as zeromq.js words it; omq's explanation in detail
    assert.equal(failure.error.message, "ZMTP protocol error")
    assert.match(failure.error.detail ?? "", /DEALER/)
    assert.deepEqual((await events.receive()).type, "disconnect")

    const right = sockets.add(new zmq.Push({ linger: 0 }))
    right.connect(address)
    await right.send("still served")
    assert.deepEqual((await pull.receive()).map(String), ["still served"])
  })

  it("connecting to an incompatible peer: reported, and not redialled (libzmq ends the session)", async () => {
    const zpull = sockets.add(new zmq.Pull({ linger: 0 }))
    await zpull.bind("tcp://127.0.0.1:*")
    const address = boundEndpoint(zpull)
    const dealer = sockets.add(new Dealer(opts))
    const events = dealer.events
    dealer.connect(address)
    const [failure, before] = await until(events, "handshake:error:protocol")
    assert.deepEqual(before, ["connect:delay", "connect"])
    assert.ok(failure.type === "handshake:error:protocol")
    assert.equal(failure.error.code, "ERR_ZMTP_INVALID_METADATA")
    assert.deepEqual(await events.receive(), { type: "disconnect", address })
    dealer.close()
    assert.deepEqual(await events.receive(), { type: "end" }, "no connect:retry came first")
  })

  it("a peer that hangs up during the handshake: handshake:error:other (EPIPE), then disconnect", async () => {
    const pull = sockets.add(new Pull(opts))
    const events = pull.events
    await pull.bind("tcp://127.0.0.1:*")
    const address = boundEndpoint(pull)
    const url = new URL(address)
    const raw = netConnect({ host: url.hostname, port: Number(url.port) })
    raw.on("connect", () => raw.end())
    raw.on("error", () => {})
    assert.deepEqual((await events.receive()).type, "bind")
    assert.deepEqual(await events.receive(), { type: "accept", address })
    const failure = await events.receive()
    assert.ok(failure.type === "handshake:error:other")
    assert.equal(failure.error.code, "EPIPE")
    assert.deepEqual(await events.receive(), { type: "disconnect", address })
  })

  it("unbind() and disconnect() close connections without a disconnect event, as libzmq", async () => {
    const pull = sockets.add(new Pull(opts))
    const events = pull.events
    await pull.bind("tcp://127.0.0.1:*")
    const address = boundEndpoint(pull)
    const push = sockets.add(new zmq.Push({ linger: 0 }))
    push.connect(address)
    await until(events, "handshake")
    await pull.unbind(address)
    assert.deepEqual(await events.receive(), { type: "close", address })

    const zpush = sockets.add(new zmq.Push({ linger: 0 }))
    await zpush.bind("tcp://127.0.0.1:*")
    const other = boundEndpoint(zpush)
    pull.connect(other)
    await until(events, "handshake")
    pull.disconnect(other)
    pull.close()
    assert.deepEqual(await events.receive(), { type: "end" })
  })

  it("on() listeners get the events of their type", async () => {
    const router = sockets.add(new Router(opts))
    const handshakes: string[] = []
    const handshook = new Promise<void>((resolve) => {
      router.events.on("handshake", (event) => {
        handshakes.push(event.address)
        resolve()
      })
    })
    await router.bind("tcp://127.0.0.1:*")
    const dealer = sockets.add(new Dealer(opts))
    dealer.connect(boundEndpoint(router))
    await handshook
    assert.deepEqual(handshakes, [boundEndpoint(router)])
  })

  it("after on() the observer is in emitter mode: receive() throws, as in zeromq.js", async () => {
    const pull = sockets.add(new Pull(opts))
    const bound = new Promise((resolve) => pull.events.on("bind", resolve))
    assert.throws(() => pull.events.receive(), /Observer is in event emitter mode/)
    await pull.bind("tcp://127.0.0.1:*")
    assert.deepEqual(await bound, { type: "bind", address: boundEndpoint(pull) })
  })

  it("a closed observer, once drained, rejects receive() with EBADF", async () => {
    const pull = sockets.add(new Pull(opts))
    const events = pull.events
    pull.close()
    assert.equal((await events.receive()).type, "end")
    await assert.rejects(events.receive(), { code: "EBADF", message: "Socket is closed" })
  })

  it("closing the observer ends its reads; the socket goes on", async () => {
    const pull = sockets.add(new Pull(opts))
    const events = pull.events
    const waiting = events.receive()
    events.close()
    await assert.rejects(waiting, { code: "EAGAIN" })
    await pull.bind("tcp://127.0.0.1:*")
    const push = sockets.add(new zmq.Push({ linger: 0 }))
    push.connect(boundEndpoint(pull))
    await push.send("after")
    assert.deepEqual((await pull.receive()).map(String), ["after"])
  })
})
