// Publish-subscribe interop with libzmq 4.3.5 (the `zeromq` package), both directions, under
// in-thread IO and an IO worker thread. XPUB sockets are used where a test must know that a
// subscription has arrived: the subscription message itself is the event, so nothing sleeps.
import assert from "node:assert/strict"
import { afterEach, it } from "node:test"
import { type Context, Publisher, Subscriber, XPublisher, XSubscriber } from "omq"
import * as zmq from "zeromq"
import { boundEndpoint, forEachIoThreads, Sockets } from "./helpers/interop.js"

const text = (frames: Buffer[]): string[] => frames.map((f) => f.toString())
const sub = (topic: string): string => `\u0001${topic}`
const unsub = (topic: string): string => `\u0000${topic}`

type Binder = { bind(ep: string): Promise<void>; readonly lastEndpoint: string | null }
type Connector = { connect(ep: string): void }

forEachIoThreads("interop publish-subscribe", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }
  const zopts = { linger: 0, reconnectInterval: 20 }

  async function wire(binder: Binder, connector: Connector): Promise<void> {
    await binder.bind("tcp://127.0.0.1:*")
    connector.connect(boundEndpoint(binder))
  }

  for (const omqBinds of [true, false]) {
    const how = omqBinds ? "omq binds" : "zmq binds"

    it(`zmq SUB → omq XPUB (${how}): subscriptions arrive as messages, then filtering works`, async () => {
      const xpub = sockets.add(new XPublisher(opts))
      const zsub = sockets.add(new zmq.Subscriber(zopts))
      if (omqBinds) await wire(xpub, zsub)
      else await wire(zsub, xpub)
      zsub.subscribe("weather")
      // A zeromq.js socket handles libzmq's internal commands (such as attaching the pipe of an
      // accepted connection, which sends the subscriptions) only while a call is pending on it.
      const received = zsub.receive()
      assert.deepEqual(text(await xpub.receive()), [sub("weather")])
      await xpub.send(["sports", "skipped"])
      await xpub.send(["weather", "sunny"])
      assert.deepEqual(text(await received), ["weather", "sunny"])
      zsub.unsubscribe("weather")
      assert.deepEqual(text(await xpub.receive()), [unsub("weather")])
    })

    it(`omq SUB → zmq XPUB (${how}): SUBSCRIBE/CANCEL reach libzmq`, async () => {
      const zxpub = sockets.add(new zmq.XPublisher(zopts))
      const osub = sockets.add(new Subscriber(opts))
      if (omqBinds) await wire(osub, zxpub)
      else await wire(zxpub, osub)
      osub.subscribe("a.")
      assert.deepEqual(text(await zxpub.receive()), [sub("a.")])
      await zxpub.send(["b.1", "filtered"])
      await zxpub.send(["a.1", "kept"])
      assert.deepEqual(text(await osub.receive()), ["a.1", "kept"])
      osub.unsubscribe("a.")
      assert.deepEqual(text(await zxpub.receive()), [unsub("a.")])
    })

    it(`omq PUB → zmq SUB and zmq PUB → omq SUB (${how})`, async () => {
      const opub = sockets.add(new Publisher(opts))
      const zsub = sockets.add(new zmq.Subscriber(zopts))
      if (omqBinds) await wire(opub, zsub)
      else await wire(zsub, opub)
      zsub.subscribe("t")
      await publishUntilReceived(opub, zsub) // its pending receive keeps libzmq serviced
      await opub.send(["x", "filtered"])
      await opub.send(["t2", "kept"])
      assert.deepEqual(text(await zsub.receive()), ["t2", "kept"])

      const zpub = sockets.add(new zmq.Publisher(zopts))
      const osub = sockets.add(new Subscriber(opts))
      if (omqBinds) await wire(osub, zpub)
      else await wire(zpub, osub)
      osub.subscribe("t")
      await publishUntilReceived(zpub, osub)
      await zpub.send(["x", "filtered"])
      await zpub.send(["t2", "kept"])
      assert.deepEqual(text(await osub.receive()), ["t2", "kept"])
    })

    it(`omq XSUB ↔ zmq XPUB and zmq XSUB ↔ omq XPUB (${how})`, async () => {
      const oxsub = sockets.add(new XSubscriber(opts))
      const zxpub = sockets.add(new zmq.XPublisher(zopts))
      if (omqBinds) await wire(oxsub, zxpub)
      else await wire(zxpub, oxsub)
      await oxsub.send(sub("k"))
      assert.deepEqual(text(await zxpub.receive()), [sub("k")])
      await zxpub.send(["k1", "v"])
      assert.deepEqual(text(await oxsub.receive()), ["k1", "v"])

      const zxsub = sockets.add(new zmq.XSubscriber(zopts))
      const oxpub = sockets.add(new XPublisher(opts))
      if (omqBinds) await wire(oxpub, zxsub)
      else await wire(zxsub, oxpub)
      await zxsub.send(sub("k"))
      const received = zxsub.receive() // see the first test: keeps libzmq's socket serviced
      assert.deepEqual(text(await oxpub.receive()), [sub("k")])
      await oxpub.send(["k1", "v"])
      assert.deepEqual(text(await received), ["k1", "v"])
    })
  }

  it("SUB re-sends its subscriptions after a reconnect", async () => {
    const osub = sockets.add(new Subscriber(opts))
    const first = sockets.add(new XPublisher(opts))
    await first.bind("tcp://127.0.0.1:*")
    const endpoint = boundEndpoint(first)
    osub.connect(endpoint)
    osub.subscribe("r1", "r2")
    const got = new Set([String(await first.receive()), String(await first.receive())])
    assert.deepEqual(got, new Set([sub("r1"), sub("r2")]))
    first.close()
    await first.finished
    const second = sockets.add(new XPublisher(opts))
    await second.bind(endpoint)
    const again = new Set([String(await second.receive()), String(await second.receive())])
    assert.deepEqual(again, new Set([sub("r1"), sub("r2")]))
  })

  it("subscriptions are counted: two subscribes need two unsubscribes", async () => {
    const xpub = sockets.add(new XPublisher({ ...opts, verbosity: "allSubsUnsubs" }))
    const osub = sockets.add(new Subscriber(opts))
    await wire(xpub, osub)
    osub.subscribe("c")
    assert.deepEqual(text(await xpub.receive()), [sub("c")])
    osub.subscribe("c") // the SUB counts it, and forwards it as libzmq does
    assert.deepEqual(text(await xpub.receive()), [sub("c")])
    osub.unsubscribe("c") // still subscribed once: nothing goes upstream
    await xpub.send(["c1", "still here"])
    assert.deepEqual(text(await osub.receive()), ["c1", "still here"])
    osub.unsubscribe("c")
    assert.deepEqual(text(await xpub.receive()), [unsub("c")])
  })

  it("XPUB reports the unsubscriptions of a subscriber that leaves", async () => {
    const xpub = sockets.add(new XPublisher(opts))
    const zsub = sockets.add(new zmq.Subscriber(zopts))
    await wire(xpub, zsub)
    zsub.subscribe("gone")
    void zsub.receive().catch(() => {}) // keeps libzmq's socket serviced; rejects at close
    assert.deepEqual(text(await xpub.receive()), [sub("gone")])
    zsub.close()
    assert.deepEqual(text(await xpub.receive()), [unsub("gone")])
  })

  it("PUB drops whole messages for a subscriber at its high-water mark and never blocks", async () => {
    const pub = sockets.add(new XPublisher({ ...opts, sendHighWaterMark: 5 }))
    const osub = sockets.add(new Subscriber({ ...opts, receiveHighWaterMark: 5 }))
    await wire(pub, osub)
    osub.subscribe("")
    await pub.receive() // the subscription is in
    for (let i = 0; i < 20_000; i++) await pub.send(["m", `${i}`, "tail"]) // never waits
    let last = -1
    osub.receiveTimeout = 500
    for (;;) {
      let frames: Buffer[]
      try {
        frames = await osub.receive()
      } catch (err) {
        assert.equal((err as { code: string }).code, "EAGAIN")
        break
      }
      assert.equal(frames.length, 3, "never part of a message")
      const n = Number(frames[1])
      assert.ok(n > last, "in order")
      last = n
    }
    assert.ok(last >= 0 && last < 20_000)
  })
})

/** Publishes probes until the subscriber gets one (a subscription needs a round trip to land). */
async function publishUntilReceived(
  pub: { send(m: string[]): Promise<void> },
  sub: { receive(): Promise<Buffer[]>; receiveTimeout: number },
): Promise<void> {
  const saved = sub.receiveTimeout
  sub.receiveTimeout = 20
  try {
    for (;;) {
      await pub.send(["t-probe", ""])
      try {
        await sub.receive()
        break
      } catch (err) {
        assert.equal((err as { code: string }).code, "EAGAIN")
      }
    }
    // Drain probes still in flight.
    for (;;) {
      try {
        await sub.receive()
      } catch {
        break
      }
    }
  } finally {
    sub.receiveTimeout = saved
  }
}

forEachIoThreads("XPUB options", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  it("welcomeMessage reaches each new subscriber", async () => {
    const xpub = sockets.add(new XPublisher({ ...opts, welcomeMessage: "WELCOME" }))
    await xpub.bind("tcp://127.0.0.1:*")
    const zsub = sockets.add(new zmq.Subscriber({ linger: 0 }))
    zsub.subscribe("WELCOME")
    zsub.connect(boundEndpoint(xpub))
    assert.deepEqual(text(await zsub.receive()), ["WELCOME"])
  })

  it("invertMatching: subscribers get what matches none of their subscriptions", async () => {
    const pub = sockets.add(new XPublisher({ ...opts, invertMatching: true }))
    await pub.bind("tcp://127.0.0.1:*")
    const osub = sockets.add(new Subscriber({ ...opts, invertMatching: true }))
    osub.connect(boundEndpoint(pub))
    osub.subscribe("noise")
    await pub.receive() // the subscription is in
    await pub.send(["noise.1", "skipped"])
    await pub.send(["signal", "kept"])
    assert.deepEqual(text(await osub.receive()), ["signal", "kept"])
  })

  it("manual: subscriptions apply only when the application says so", async () => {
    const xpub = sockets.add(new XPublisher({ ...opts, manual: true }))
    await xpub.bind("tcp://127.0.0.1:*")
    const osub = sockets.add(new Subscriber({ ...opts, receiveTimeout: 300 }))
    osub.connect(boundEndpoint(xpub))
    osub.subscribe("A")
    assert.deepEqual(text(await xpub.receive()), [sub("A")])
    await xpub.send(["A1", "not applied yet"])
    await assert.rejects(osub.receive(), { code: "EAGAIN" })
    xpub.subscribe("A") // applies to the peer that sent the last subscription
    await xpub.send(["A2", "applied"])
    assert.deepEqual(text(await osub.receive()), ["A2", "applied"])
  })

  it("manual: a departing subscriber's manual subscriptions come back as unsubscriptions", async () => {
    const xpub = sockets.add(new XPublisher({ ...opts, manual: true }))
    await xpub.bind("tcp://127.0.0.1:*")
    for (const round of [1, 2]) {
      const osub = new Subscriber(opts)
      osub.connect(boundEndpoint(xpub))
      osub.subscribe("B")
      assert.deepEqual(text(await xpub.receive()), [sub("B")], `round ${round}`)
      xpub.subscribe("B")
      xpub.subscribe("C") // the application may subscribe a peer to what it never asked for
      osub.close()
      const cancelled = [text(await xpub.receive()), text(await xpub.receive())]
      assert.deepEqual(cancelled.flat().sort(), [unsub("B"), unsub("C")], `round ${round}`)
    }
    // The departed peer is no longer the target of subscribe(); nothing is delivered to anyone.
    xpub.subscribe("D")
    xpub.receiveTimeout = 100
    await assert.rejects(xpub.receive(), { code: "EAGAIN" })
  })

  it("manual: acting on a departed peer's unsubscription leaves the other peers' subscriptions", async () => {
    const xpub = sockets.add(new XPublisher({ ...opts, manual: true }))
    await xpub.bind("tcp://127.0.0.1:*")
    const [leaving, staying] = [new Subscriber(opts), sockets.add(new Subscriber(opts))]
    for (const s of [leaving, staying]) {
      s.connect(boundEndpoint(xpub))
      s.subscribe("A")
      assert.deepEqual(text(await xpub.receive()), [sub("A")])
      xpub.subscribe("A") // applied to the peer whose subscription was just read
    }
    leaving.close()
    assert.deepEqual(text(await xpub.receive()), [unsub("A")])
    xpub.unsubscribe("A") // as libzmq's test_xpub_manual does: a no-op for a departed peer
    await xpub.send(["A", "after"])
    assert.deepEqual(text(await staying.receive()), ["A", "after"])
  })
})
