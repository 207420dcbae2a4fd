// ROUTER identity handling and its options: duplicate ids (ignored, or taken over with
// handover), mandatory at the high-water mark, and messages that outlive their peer.
import assert from "node:assert/strict"
import { afterEach, it } from "node:test"
import { type Context, Dealer, type Observer, Router } from "omq"
import * as zmq from "zeromq"
import {
  boundEndpoint,
  forEachIoThreads,
  releaseZmqEndpoint,
  retryWhile,
  Sockets,
} from "./helpers/interop.js"
import { untilRejected } from "./helpers/spec.js"

/** Resolves at the next event of `type` (about `address`, if given) on an omq observer. */
async function nextOf(events: Observer, type: string, address?: string): Promise<void> {
  for (;;) {
    const event = await events.receive()
    if (event.type !== type) continue
    if (address === undefined || ("address" in event && event.address === address)) return
  }
}

const text = (frames: Buffer[]): string[] => frames.map((f) => f.toString())

forEachIoThreads("ROUTER options", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  /** A DEALER with `routingId`, connected to `router`, whose hello has arrived there. */
  async function dealerSaying(router: Router, routingId: string, hello: string): Promise<Dealer> {
    const dealer = sockets.add(new Dealer({ ...opts, routingId }))
    dealer.connect(boundEndpoint(router))
    await dealer.send(hello)
    return dealer
  }

  for (const transport of ["tcp", "inproc"]) {
    it(`connect(ep, { routingId }) names the pipe at once: a mandatory send before the peer is there queues (${transport})`, async () => {
      const router = sockets.add(new Router({ ...opts, mandatory: true }))
      const address =
        transport === "tcp" ? "tcp://127.0.0.1:*" : `inproc://router-named-${Math.random()}`
      const dealer = sockets.add(new Dealer(opts))
      await dealer.bind(address)
      const endpoint = dealer.lastEndpoint!
      await dealer.unbind(endpoint) // nobody there while the router connects and sends
      router.connect(endpoint, { routingId: "remote" })
      await router.send(["remote", "early"])
      await assert.rejects(router.send(["other", "x"]), { code: "EHOSTUNREACH" })
      await dealer.bind(endpoint)
      assert.deepEqual(text(await dealer.receive()), ["early"])
    })
  }

  it("generated ids are 0x00 + 4 bytes from a counter that starts at random, as libzmq's: two ROUTERs do not hand out the same id", async () => {
    const ids: Buffer[] = []
    for (let i = 0; i < 2; i++) {
      const router = sockets.add(new Router(opts))
      await router.bind("tcp://127.0.0.1:*")
      const dealer = sockets.add(new Dealer(opts)) // no routingId: the router makes one up
      dealer.connect(boundEndpoint(router))
      await dealer.send("hello")
      const [id] = await router.receive()
      ids.push(id!)
    }
    for (const id of ids) assert.deepEqual([id.length, id[0]], [5, 0])
    assert.notDeepEqual(ids[0], ids[1]) // equal once in 2^32 runs
  })

  it("a second peer with an id in use is ignored; it takes the id over once the holder leaves", async () => {
    const router = sockets.add(new Router(opts))
    await router.bind("tcp://127.0.0.1:*")
    const first = await dealerSaying(router, "twin", "from first")
    assert.deepEqual(text(await router.receive()), ["twin", "from first"])
    const events = router.events
    const second = sockets.add(new Dealer({ ...opts, routingId: "twin" }))
    second.connect(boundEndpoint(router))
    await nextOf(events, "handshake") // the router knows the second peer: it waits for "twin"
    // (What a waiting peer sends is discarded; no event says when, so it is not sent here:
    // a late message would rightly reach the application once the peer holds the id.)
    await router.send(["twin", "to the holder"])
    assert.deepEqual(text(await first.receive()), ["to the holder"])
    await first.send("first still heard")
    assert.deepEqual(text(await router.receive()), ["twin", "first still heard"])

    first.close()
    // Once the router has seen the holder go, the id routes to the second peer.
    router.mandatory = true
    second.receiveTimeout = 50
    await retryWhile("EAGAIN", async () => {
      await router.send(["twin", "to whoever holds it"])
      assert.deepEqual(text(await second.receive()), ["to whoever holds it"])
    })
    await second.send("now heard")
    assert.deepEqual(text(await router.receive()), ["twin", "now heard"])
  })

  it("a waiting connect() pipe that reconnects waits once: the id never sticks to a dead pipe", async () => {
    const router = sockets.add(new Router({ ...opts, mandatory: true }))
    await router.bind("tcp://127.0.0.1:*")
    const first = await dealerSaying(router, "x", "first")
    assert.deepEqual(text(await router.receive()), ["x", "first"])
    const events = router.events // from here on: the first peer's handshake is behind us
    // A peer of the same id the router connects to: it waits for the id.
    let other = new zmq.Dealer({ linger: 0, routingId: "x", receiveTimeout: 50 })
    await other.bind("tcp://127.0.0.1:*")
    const otherEndpoint = boundEndpoint(other)
    router.connect(otherEndpoint)
    await nextOf(events, "handshake")
    // It restarts at the same address; the router's pipe reconnects and announces "x" again.
    await releaseZmqEndpoint(other, otherEndpoint)
    other.close()
    other = sockets.add(new zmq.Dealer({ linger: 0, routingId: "x", receiveTimeout: 50 }))
    await other.bind(otherEndpoint)
    await nextOf(events, "handshake")
    // The holder leaves: the waiting pipe takes "x" (sends reach the holder until it is gone).
    first.close()
    await retryWhile("EAGAIN", async () => {
      await router.send(["x", "to the other"])
      assert.deepEqual(text(await other.receive()), ["to the other"])
    })
    // Then that pipe goes too, and a third peer of id "x" must get it.
    router.disconnect(otherEndpoint)
    const third = sockets.add(new Dealer({ ...opts, routingId: "x" }))
    third.connect(boundEndpoint(router))
    await third.send("from the third")
    assert.deepEqual(text(await router.receive()), ["x", "from the third"])
    await router.send(["x", "to the third"])
    assert.deepEqual(text(await third.receive()), ["to the third"])
  })

  it("a waiting pipe that comes back with a free id takes that id and stops waiting", async () => {
    const router = sockets.add(new Router({ ...opts, mandatory: true }))
    await router.bind("tcp://127.0.0.1:*")
    const holder = await dealerSaying(router, "A", "holder")
    assert.deepEqual(text(await router.receive()), ["A", "holder"])
    const events = router.events
    let other = new zmq.Dealer({ linger: 0, routingId: "A" })
    await other.bind("tcp://127.0.0.1:*")
    const otherEndpoint = boundEndpoint(other)
    router.connect(otherEndpoint)
    await nextOf(events, "handshake") // waits for "A"
    await releaseZmqEndpoint(other, otherEndpoint)
    other.close()
    other = sockets.add(new zmq.Dealer({ linger: 0, routingId: "B" }))
    await other.bind(otherEndpoint)
    await other.send("as B")
    assert.deepEqual(text(await router.receive()), ["B", "as B"])
    // The holder of "A" leaves: "A" must not pass to the pipe that is now "B".
    holder.close()
    await nextOf(events, "disconnect", boundEndpoint(router))
    // The event may come a moment before the router has let the holder go.
    await untilRejected("EHOSTUNREACH", () => router.send(["A", "nobody"]))
    await other.send("still B")
    assert.deepEqual(text(await router.receive()), ["B", "still B"])
  })

  it("turning handover on keeps the peers already waiting for an id in line", async () => {
    const router = sockets.add(new Router({ ...opts, mandatory: true }))
    await router.bind("tcp://127.0.0.1:*")
    await dealerSaying(router, "y", "holder")
    assert.deepEqual(text(await router.receive()), ["y", "holder"])
    const events = router.events
    const waiter = sockets.add(new Dealer({ ...opts, routingId: "y" }))
    waiter.connect(boundEndpoint(router))
    await nextOf(events, "handshake") // in line for "y" before handover is turned on
    router.handover = true
    const taker = await dealerSaying(router, "y", "taker")
    assert.deepEqual(text(await router.receive()), ["y", "taker"])
    taker.close()
    // Once the taker is gone, the id passes to the peer that was waiting all along.
    waiter.receiveTimeout = 50
    await retryWhile("EAGAIN", async () => {
      await router.send(["y", "for the waiter"])
      assert.deepEqual(text(await waiter.receive()), ["for the waiter"])
    })
  })

  it("handover: a second peer with an id in use takes it over at once", async () => {
    const router = sockets.add(new Router({ ...opts, handover: true }))
    await router.bind("tcp://127.0.0.1:*")
    await dealerSaying(router, "same", "old")
    assert.deepEqual(text(await router.receive()), ["same", "old"])
    const newer = await dealerSaying(router, "same", "new")
    assert.deepEqual(text(await router.receive()), ["same", "new"])
    await router.send(["same", "for the new one"])
    assert.deepEqual(text(await newer.receive()), ["for the new one"])
  })

  it("a connect() pipe whose peer's id is in use stays connected and does not redial", async () => {
    const router = sockets.add(new Router(opts))
    const holder = sockets.add(new zmq.Dealer({ linger: 0, routingId: "dup" }))
    const duplicate = sockets.add(new zmq.Dealer({ linger: 0, routingId: "dup" }))
    let accepts = 0
    duplicate.events.on("accept", () => accepts++)
    for (const d of [holder, duplicate]) await d.bind("tcp://127.0.0.1:*")
    router.connect(boundEndpoint(holder))
    await holder.send("holder")
    assert.deepEqual(text(await router.receive()), ["dup", "holder"])
    router.connect(boundEndpoint(duplicate))
    // Round trips through the router while the duplicate's connection settles: each one gives
    // a redial loop (20 ms apart) time to show up as further accepts.
    await duplicate.send("duplicate (dropped)")
    for (let i = 0; i < 10; i++) {
      await holder.send(`ping ${i}`)
      assert.deepEqual(text(await router.receive()), ["dup", `ping ${i}`])
      await router.send(["dup", `pong ${i}`])
      assert.deepEqual(text(await holder.receive()), [`pong ${i}`])
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    assert.equal(accepts, 1, "the duplicate's connection was accepted once and kept")
  })

  it("mandatory: a peer at its high-water mark rejects with EAGAIN; without it, sends never wait", async () => {
    const router = sockets.add(new Router({ ...opts, sendHighWaterMark: 2 }))
    await router.bind("tcp://127.0.0.1:*")
    // A zmq peer that holds one message at most and is not read until the end.
    const peer = sockets.add(
      new zmq.Dealer({ linger: 0, routingId: "slow", receiveHighWaterMark: 1 }),
    )
    peer.connect(boundEndpoint(router))
    await peer.send("hello")
    assert.deepEqual(text(await router.receive()), ["slow", "hello"])
    const big = Buffer.alloc(1 << 20) // fills the kernel's buffers in a few messages
    router.mandatory = true
    let accepted = 0
    for (;;) {
      try {
        await router.send(["slow", big])
        accepted++
      } catch (err) {
        assert.equal((err as { code: string }).code, "EAGAIN")
        break
      }
    }
    assert.ok(accepted >= 2, `accepted ${accepted} before the high-water mark`)
    // Far more than the kernel and the peer can hold: without mandatory each send resolves at
    // once (a wait would hang here, as the peer reads nothing), and the excess is dropped.
    router.mandatory = false
    const extra = 40
    for (let i = 0; i < extra; i++) await router.send(["slow", big])
    let delivered = 0
    const reading = (async () => {
      for (;;) {
        const [frame] = await peer.receive()
        if (frame!.length !== big.length) return assert.equal(frame!.toString(), "end")
        delivered++
      }
    })()
    // The end marker must not be dropped: send it with mandatory, once the peer has room.
    router.mandatory = true
    await retryWhile("EAGAIN", () => router.send(["slow", "end"]), 5)
    await reading
    assert.ok(delivered >= accepted, `delivered ${delivered} of the ${accepted} accepted`)
    assert.ok(delivered < accepted + extra, `delivered ${delivered}: some must have been dropped`)
  })

  it("messages a peer sent before leaving are still delivered, with its id", async () => {
    const router = sockets.add(new Router({ ...opts, mandatory: true }))
    await router.bind("tcp://127.0.0.1:*")
    const leaver = new Dealer({ ...opts, linger: 1000, routingId: "leaver" })
    leaver.connect(boundEndpoint(router))
    await leaver.send("first")
    assert.deepEqual(text(await router.receive()), ["leaver", "first"])
    await leaver.send("last words")
    leaver.close() // linger: "last words" reaches the wire before the connection ends
    await leaver.finished
    // Once the id no longer routes, the router has seen the departure, which came after the
    // message: the message is queued, and still carries the id.
    for (;;) {
      try {
        await router.send(["leaver", "are you there?"])
        await new Promise((resolve) => setImmediate(resolve))
      } catch (err) {
        assert.equal((err as { code: string }).code, "EHOSTUNREACH")
        break
      }
    }
    router.receiveTimeout = 1000
    assert.deepEqual(text(await router.receive()), ["leaver", "last words"])
  })
})
