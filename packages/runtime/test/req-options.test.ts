// probeRouter, correlate and relaxed, against libzmq ROUTER/DEALER peers.
import assert from "node:assert/strict"
import { afterEach, it } from "node:test"
import { type Context, Dealer, Request, Router } from "omq"
import * as zmq from "zeromq"
import { boundEndpoint, forEachIoThreads, Sockets } from "./helpers/interop.js"

forEachIoThreads("request options", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  it("probeRouter: a DEALER and a REQ announce themselves with an empty message", async () => {
    const router = sockets.add(new zmq.Router({ linger: 0 }))
    await router.bind("tcp://127.0.0.1:*")
    const dealer = sockets.add(new Dealer({ ...opts, routingId: "d", probeRouter: true }))
    dealer.connect(boundEndpoint(router))
    assert.deepEqual((await router.receive()).map(String), ["d", ""])
    const req = sockets.add(new Request({ ...opts, routingId: "r", probeRouter: true }))
    req.connect(boundEndpoint(router))
    assert.deepEqual((await router.receive()).map(String), ["r", ""])
  })

  it("probeRouter on a ROUTER: the peer hears from it first", async () => {
    const router = sockets.add(new Router({ ...opts, probeRouter: true }))
    await router.bind("tcp://127.0.0.1:*")
    const dealer = sockets.add(new zmq.Dealer({ linger: 0 }))
    dealer.connect(boundEndpoint(router))
    const [probe] = await dealer.receive()
    assert.equal(probe!.length, 0)
  })

  it("correlate + relaxed: a new request abandons the old one, whose late reply is dropped", async () => {
    const router = sockets.add(new zmq.Router({ linger: 0 }))
    await router.bind("tcp://127.0.0.1:*")
    const req = sockets.add(
      new Request({ ...opts, routingId: "q", correlate: true, relaxed: true }),
    )
    req.connect(boundEndpoint(router))
    await req.send("first")
    const [id1, rid1, empty1, body1] = await router.receive()
    assert.equal(String(id1), "q")
    assert.equal(rid1!.length, 4, "request id frame")
    assert.equal(empty1!.length, 0)
    assert.equal(String(body1), "first")
    await req.send("second") // relaxed: allowed before the reply
    const [, rid2, , body2] = await router.receive()
    assert.equal(String(body2), "second")
    assert.notDeepEqual(rid2, rid1)
    await router.send(["q", rid1!, "", "late reply to first"])
    await router.send(["q", rid2!, "", "reply to second"])
    assert.deepEqual((await req.receive()).map(String), ["reply to second"])
  })

  it("without relaxed a second request fails with EFSM; with it, it goes", async () => {
    const router = sockets.add(new zmq.Router({ linger: 0 }))
    await router.bind("tcp://127.0.0.1:*")
    const strict = sockets.add(new Request(opts))
    strict.connect(boundEndpoint(router))
    await strict.send("one")
    await assert.rejects(strict.send("two"), { code: "EFSM" })
    strict.relaxed = true
    await strict.send("two")
    assert.equal(String((await router.receive()).at(-1)), "one")
    assert.equal(String((await router.receive()).at(-1)), "two")
  })
})
