// Proxy: the two example topologies from the issue, over every transport. Over tcp the peers at
// the edges are libzmq's (the zeromq package); elsewhere they are omq sockets.
import assert from "node:assert/strict"
import { it } from "node:test"
import { Dealer, Proxy, Pull, Push, Router, XPublisher, XSubscriber } from "omq"
import * as zmq from "zeromq"
import { bindAddress, endpointOf, forEachSpecSuite, type SpecSuite } from "./helpers/spec.js"

/**
 * The edge peers: libzmq's over tcp, omq's elsewhere (libzmq cannot reach inproc here), on other
 * threads over inproc-threads. The proxy's own sockets stay on this thread.
 */
function edges({ transport, lib, opts }: SpecSuite) {
  const z = { linger: 0 }
  const libzmq = transport === "tcp"
  return {
    reply: () => (libzmq ? new zmq.Reply(z) : new lib.Reply(opts)),
    request: () => (libzmq ? new zmq.Request(z) : new lib.Request(opts)),
    xpublisher: () => (libzmq ? new zmq.XPublisher(z) : new lib.XPublisher(opts)),
    subscriber: () => (libzmq ? new zmq.Subscriber(z) : new lib.Subscriber(opts)),
  }
}

forEachSpecSuite("proxy", (suite) => {
  const { transport, lib, sockets, opts } = suite
  const edge = edges(suite)

  it("ROUTER↔DEALER shared queue carries REQ/REP round trips, with statistics", async () => {
    const front = sockets.add(new Router(opts))
    const back = sockets.add(new Dealer(opts))
    await front.bind(bindAddress(transport))
    await back.bind(bindAddress(transport))
    const proxy = new Proxy(front, back)
    const running = proxy.run()

    const worker = sockets.add(edge.reply())
    worker.connect(endpointOf(back))
    const serving = (async () => {
      for (let i = 0; i < 3; i++) {
        const [request] = await worker.receive()
        await worker.send(`done ${request}`)
      }
    })()
    const client = sockets.add(edge.request())
    client.connect(endpointOf(front))
    for (let i = 0; i < 3; i++) {
      await client.send(`job${i}`)
      assert.equal(String((await client.receive())[0]), `done job${i}`)
    }
    await serving
    assert.equal(proxy.stats.frontToBack.messages, 3)
    assert.equal(proxy.stats.backToFront.messages, 3)
    assert.ok(proxy.stats.frontToBack.bytes > 0)
    proxy.terminate()
    await running
  })

  it("XSUB↔XPUB forwarder passes subscriptions upstream and messages down", async () => {
    const front = sockets.add(new XSubscriber(opts))
    const back = sockets.add(new XPublisher(opts))
    await front.bind(bindAddress(transport))
    await back.bind(bindAddress(transport))
    const proxy = new Proxy(front, back)
    const running = proxy.run()

    const publisher = sockets.add(edge.xpublisher())
    publisher.connect(endpointOf(front))
    const subscriber = sockets.add(edge.subscriber())
    subscriber.connect(endpointOf(back))
    subscriber.subscribe("news")
    const delivered = subscriber.receive()
    // The subscription travels SUB → XPUB → proxy → XSUB → the publisher's XPUB.
    assert.deepEqual((await publisher.receive()).map(String), ["\u0001news"])
    await publisher.send(["news", "today"])
    assert.deepEqual((await delivered).map(String), ["news", "today"])
    proxy.terminate()
    await running
  })

  it("pause() holds messages back until resume(); capture gets a copy", async () => {
    const front = sockets.add(new Pull(opts))
    const back = sockets.add(new Push(opts))
    const capture = sockets.add(new Push(opts))
    await front.bind(bindAddress(transport))
    await back.bind(bindAddress(transport))
    await capture.bind(bindAddress(transport))
    const proxy = new Proxy(front, back, capture)
    proxy.pause()
    const running = proxy.run()
    const source = sockets.add(new lib.Push(opts))
    source.connect(endpointOf(front))
    const sink = sockets.add(new lib.Pull({ ...opts, receiveTimeout: 200 }))
    sink.connect(endpointOf(back))
    const tap = sockets.add(new lib.Pull(opts))
    tap.connect(endpointOf(capture))
    await source.send("held")
    await assert.rejects(sink.receive(), { code: "EAGAIN" }) // paused: nothing comes through
    proxy.resume()
    sink.receiveTimeout = -1
    assert.equal(String((await sink.receive())[0]), "held")
    assert.equal(String((await tap.receive())[0]), "held")
    proxy.terminate()
    await running
    // After terminate the sockets are the application's again, and no message was swallowed.
    await source.send("after")
    assert.equal(String((await front.receive())[0]), "after")
  })

  it("terminate() ends run() while a forward waits for a peer that is not there", async () => {
    const front = sockets.add(new Router(opts))
    const back = sockets.add(new Dealer(opts)) // nobody connects: a forward waits for ever
    await front.bind(bindAddress(transport))
    await back.bind(bindAddress(transport))
    const proxy = new Proxy(front, back)
    const running = proxy.run()
    const client = sockets.add(edge.request())
    client.connect(endpointOf(front))
    await client.send("Hello")
    // The proxy has the request in hand once front has it; run() must not wait on its send.
    const took = new Promise<void>((resolve) => {
      const check = () => (proxy.stats.frontToBack.messages > 0 ? resolve() : setImmediate(check))
      check()
    })
    await took
    proxy.terminate()
    await running
  })
})
