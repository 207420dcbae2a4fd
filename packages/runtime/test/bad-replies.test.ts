// Bad input at the socket-type level: replies that a REQ must not accept, peers of an
// incompatible type, malformed subscriptions. Each is dropped and the socket keeps serving.
import assert from "node:assert/strict"
import { afterEach, it } from "node:test"
import { type Context, Request, Router, XPublisher } from "omq"
import * as zmq from "zeromq"
import { boundEndpoint, forEachIoThreads, nextEvent, Sockets } from "./helpers/interop.js"

forEachIoThreads("bad replies and peers", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  it("REQ drops a reply from a peer it did not ask, and one without the delimiter", async () => {
    const asked = sockets.add(new zmq.Router({ linger: 0, mandatory: true }))
    const other = sockets.add(new zmq.Router({ linger: 0, mandatory: true }))
    await asked.bind("tcp://127.0.0.1:*")
    await other.bind("tcp://127.0.0.1:*")
    const otherReady = nextEvent(other, "handshake")
    const req = sockets.add(new Request({ ...opts, routingId: "req-1" }))
    req.connect(boundEndpoint(asked)) // first in round-robin order: gets the request
    req.connect(boundEndpoint(other))
    await req.send("question")
    const [id, empty, body] = await asked.receive()
    assert.equal(String(id), "req-1")
    assert.equal(empty!.length, 0)
    assert.equal(String(body), "question")
    await otherReady
    await other.send(["req-1", "", "not yours to answer"])
    await asked.send(["req-1", "no delimiter"])
    await asked.send(["req-1", "", "the answer"])
    assert.deepEqual((await req.receive()).map(String), ["the answer"])
  })

  it("a peer of an incompatible type is dropped; compatible peers keep working", async () => {
    const router = sockets.add(new Router(opts))
    await router.bind("tcp://127.0.0.1:*")
    const wrong = sockets.add(new zmq.Subscriber({ linger: 0 }))
    const refused = nextEvent(wrong, "handshake:error:protocol").catch(() => {})
    const closed = nextEvent(wrong, "disconnect")
    wrong.connect(boundEndpoint(router))
    await Promise.race([refused, closed]) // libzmq sees us close the connection
    const dealer = sockets.add(new zmq.Dealer({ linger: 0, routingId: "ok" }))
    dealer.connect(boundEndpoint(router))
    await dealer.send("hello")
    const [id, body] = await router.receive()
    assert.equal(String(id), "ok")
    assert.equal(String(body), "hello")
  })

  it("XPUB ignores malformed subscriptions and keeps serving", async () => {
    const xpub = sockets.add(new XPublisher(opts))
    await xpub.bind("tcp://127.0.0.1:*")
    const xsub = sockets.add(new zmq.XSubscriber({ linger: 0 }))
    xsub.connect(boundEndpoint(xpub))
    await xsub.send(["\u0001two", "frames"]) // not a subscription: a normal upstream message
    await xsub.send("\u0002odd") // not a subscription either
    await xsub.send("\u0001ok")
    assert.deepEqual((await xpub.receive()).map(String), ["\u0001two", "frames"])
    assert.deepEqual((await xpub.receive()).map(String), ["\u0002odd"])
    assert.deepEqual((await xpub.receive()).map(String), ["\u0001ok"])
    const delivered = xsub.receive()
    await xpub.send(["ok!", "data"])
    await xpub.send(["two", "not subscribed"])
    assert.deepEqual((await delivered).map(String), ["ok!", "data"])
  })
})
