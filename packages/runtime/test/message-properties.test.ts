// Message properties (libzmq's zmq_msg_gets): what a received message tells of the connection
// it came over, over every transport, from omq and from libzmq peers, with ZAP's User-Id.
import { strict as assert } from "node:assert"
import { afterEach, it } from "node:test"
import { type Context, Dealer, Router, ZmqError } from "omq"
import * as zmq from "zeromq"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"
import { ZapHandler } from "./helpers/security.js"
import { bindAddress, endpointOf, TRANSPORTS, text } from "./helpers/spec.js"

forEachIoThreads("message properties", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())

  for (const transport of TRANSPORTS.filter((t) => t !== "inproc-threads")) {
    it(`over ${transport}: the peer's Socket-Type, Identity and X- properties`, async () => {
      const router = sockets.add(new Router({ context: ctx, linger: 0 }))
      const dealer = sockets.add(
        new Dealer({
          context: ctx,
          linger: 0,
          routingId: "dealer-1",
          metadata: { "X-Service": "billing", "X-Zone": "eu" },
        }),
      )
      await router.bind(bindAddress(transport))
      dealer.connect(endpointOf(router))
      await dealer.send("hi")
      const [message, properties] = await router.receiveWithProperties()
      assert.deepEqual(text(message), ["dealer-1", "hi"])
      assert.equal(properties.socketType, "DEALER")
      assert.equal(Buffer.from(properties.routingId!).toString(), "dealer-1")
      if (transport === "inproc") return // inproc carries no handshake properties
      assert.equal(properties.get("x-service"), "billing")
      assert.equal(properties.get("X-ZONE"), "eu")
      assert.equal(properties.get("X-Missing"), undefined)
      if (transport === "tcp") assert.equal(properties.peerAddress, "127.0.0.1")
    })
  }

  it("a libzmq peer's properties, and the User-Id its ZAP handler gave", async () => {
    const zap = await ZapHandler.bind("omq", ctx)
    try {
      const router = sockets.add(
        new Router({ context: ctx, linger: 0, plainServer: true, zapDomain: "d" }),
      )
      await router.bind("tcp://127.0.0.1:*")
      const dealer = sockets.add(
        new zmq.Dealer({ linger: 0, routingId: "z", plainUsername: "u", plainPassword: "p" }),
      )
      dealer.connect(router.lastEndpoint!)
      await dealer.send("hello")
      const [message, properties] = await router.receiveWithProperties()
      assert.deepEqual(text(message), ["z", "hello"])
      assert.equal(properties.socketType, "DEALER")
      assert.equal(properties.userId, "user") // what the handler answered
      assert.equal(properties.peerAddress, "127.0.0.1")
    } finally {
      zap.close()
    }
  })

  it("receive() and receiveWithProperties() share one line, in call order", async () => {
    const router = sockets.add(new Router({ context: ctx, linger: 0 }))
    const dealer = sockets.add(new Dealer({ context: ctx, linger: 0, routingId: "d" }))
    await router.bind("tcp://127.0.0.1:*")
    dealer.connect(router.lastEndpoint!)
    const first = router.receive()
    const second = router.receiveWithProperties()
    await dealer.send("1")
    await dealer.send("2")
    assert.deepEqual(text(await first), ["d", "1"])
    const [message, properties] = await second
    assert.deepEqual(text(message), ["d", "2"])
    assert.equal(properties.socketType, "DEALER")
  })

  it("metadata names must start with X-", () => {
    for (const metadata of [{ Service: "x" }, { "X-": 1 }, { "X-a b": "c" }, []]) {
      assert.throws(
        () => new Dealer({ context: ctx, metadata: metadata as never }),
        (err: unknown) => err instanceof ZmqError && err.code === "EINVAL",
      )
    }
  })
})
