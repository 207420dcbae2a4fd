// Proxy: the two example topologies from the issue, with libzmq peers at the edges.
import assert from "node:assert/strict"
import { afterEach, it } from "node:test"
import { type Context, Dealer, Proxy, Pull, Push, Router, XPublisher, XSubscriber } from "omq"
import * as zmq from "zeromq"
import { boundEndpoint, forEachIoThreads, Sockets } from "./helpers/interop.js"

forEachIoThreads("proxy", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  it("ROUTER↔DEALER shared queue carries REQ/REP round trips, with statistics", async () => {
    const front = sockets.add(new Router(opts))
    const back = sockets.add(new Dealer(opts))
    await front.bind("tcp://127.0.0.1:*")
    await back.bind("tcp://127.0.0.1:*")
    const proxy = new Proxy(front, back)
    const running = proxy.run()

    const worker = sockets.add(new zmq.Reply({ linger: 0 }))
    worker.connect(boundEndpoint(back))
    const serving = (async () => {
      for (let i = 0; i < 3; i++) {
        const [request] = await worker.receive()
        await worker.send(`done ${request}`)
      }
    })()
    const client = sockets.add(new zmq.Request({ linger: 0 }))
    client.connect(boundEndpoint(front))
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
    await front.bind("tcp://127.0.0.1:*")
    await back.bind("tcp://127.0.0.1:*")
    const proxy = new Proxy(front, back)
    const running = proxy.run()

    const publisher = sockets.add(new zmq.XPublisher({ linger: 0 }))
    publisher.connect(boundEndpoint(front))
    const subscriber = sockets.add(new zmq.Subscriber({ linger: 0 }))
    subscriber.connect(boundEndpoint(back))
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
    await front.bind("tcp://127.0.0.1:*")
    await back.bind("tcp://127.0.0.1:*")
    await capture.bind("tcp://127.0.0.1:*")
    const proxy = new Proxy(front, back, capture)
    proxy.pause()
    const running = proxy.run()
    const source = sockets.add(new Push(opts))
    source.connect(boundEndpoint(front))
    const sink = sockets.add(new Pull({ ...opts, receiveTimeout: 200 }))
    sink.connect(boundEndpoint(back))
    const tap = sockets.add(new Pull(opts))
    tap.connect(boundEndpoint(capture))
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
})
