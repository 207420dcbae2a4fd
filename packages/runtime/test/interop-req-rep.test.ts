// Request-reply interop with libzmq 4.3.5 (the `zeromq` package), both directions, under
// in-thread IO and an IO worker thread: REQ↔REP, REQ↔ROUTER, DEALER↔REP, DEALER↔ROUTER.
import assert from "node:assert/strict"
import { afterEach, it } from "node:test"
import { type Context, Dealer, Reply, Request, Router } from "omq"
import * as zmq from "zeromq"
import { boundEndpoint, forEachIoThreads, retryWhile, Sockets } from "./helpers/interop.js"

const text = (frames: Buffer[]): string[] => frames.map((f) => f.toString())

forEachIoThreads("interop request-reply", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }
  const zopts = { linger: 0, reconnectInterval: 20 }

  /** Binds `server`, connects `client`, both any library. */
  async function wire(
    server: { bind(ep: string): Promise<void>; readonly lastEndpoint: string | null },
    client: { connect(ep: string): void },
  ): Promise<void> {
    await server.bind("tcp://127.0.0.1:*")
    client.connect(boundEndpoint(server))
  }

  for (const binder of ["omq", "zmq"] as const) {
    it(`omq REQ ↔ zmq REP (${binder} binds): several round trips`, async () => {
      const req = sockets.add(new Request(opts))
      const rep = sockets.add(new zmq.Reply(zopts))
      if (binder === "omq") await wire(req, rep)
      else await wire(rep, req)
      for (let i = 0; i < 5; i++) {
        await req.send(["ask", `${i}`])
        const got = await rep.receive()
        assert.deepEqual(text(got), ["ask", `${i}`])
        await rep.send(["answer", `${i}`])
        assert.deepEqual(text(await req.receive()), ["answer", `${i}`])
      }
    })

    it(`zmq REQ ↔ omq REP (${binder} binds): envelopes restored`, async () => {
      const req = sockets.add(new zmq.Request(zopts))
      const rep = sockets.add(new Reply(opts))
      if (binder === "omq") await wire(rep, req)
      else await wire(req, rep)
      for (let i = 0; i < 5; i++) {
        await req.send(`q${i}`)
        assert.deepEqual(text(await rep.receive()), [`q${i}`])
        await rep.send([`r${i}`, "more"])
        assert.deepEqual(text(await req.receive()), [`r${i}`, "more"])
      }
    })

    it(`omq DEALER ↔ zmq ROUTER (${binder} binds): routing id prefixed and used`, async () => {
      const dealer = sockets.add(new Dealer({ ...opts, routingId: "dealer-1" }))
      const router = sockets.add(new zmq.Router(zopts))
      if (binder === "omq") await wire(dealer, router)
      else await wire(router, dealer)
      await dealer.send(["hello", "x"])
      const [id, ...body] = await router.receive()
      assert.equal(id!.toString(), "dealer-1")
      assert.deepEqual(text(body), ["hello", "x"])
      await router.send([id!, "back"])
      assert.deepEqual(text(await dealer.receive()), ["back"])
    })

    it(`zmq DEALER ↔ omq ROUTER (${binder} binds): routing id prefixed and used`, async () => {
      const dealer = sockets.add(new zmq.Dealer({ ...zopts, routingId: "zd" }))
      const router = sockets.add(new Router(opts))
      if (binder === "omq") await wire(router, dealer)
      else await wire(dealer, router)
      await dealer.send(["hello", ""])
      const [id, ...body] = await router.receive()
      assert.equal(id!.toString(), "zd")
      assert.deepEqual(text(body), ["hello", ""])
      await router.send([id!, "back", "2"])
      assert.deepEqual(text(await dealer.receive()), ["back", "2"])
    })

    it(`zmq REQ → omq ROUTER and omq DEALER → zmq REP (${binder} binds)`, async () => {
      const req = sockets.add(new zmq.Request(zopts))
      const router = sockets.add(new Router(opts))
      if (binder === "omq") await wire(router, req)
      else await wire(req, router)
      await req.send("ping")
      const [id, delimiter, body] = await router.receive()
      assert.equal(delimiter!.length, 0)
      assert.equal(body!.toString(), "ping")
      assert.equal(id!.length, 5, "generated ids are 5 bytes")
      assert.equal(id![0], 0)
      await router.send([id!, "", "pong"])
      assert.deepEqual(text(await req.receive()), ["pong"])

      const dealer = sockets.add(new Dealer(opts))
      const rep = sockets.add(new zmq.Reply(zopts))
      if (binder === "omq") await wire(dealer, rep)
      else await wire(rep, dealer)
      await dealer.send(["", "job"])
      assert.deepEqual(text(await rep.receive()), ["job"])
      await rep.send("done")
      assert.deepEqual(text(await dealer.receive()), ["", "done"])
    })
  }

  it("REQ round-robins over its REP peers in connection order", async () => {
    const reps = [0, 1, 2].map(() => sockets.add(new zmq.Reply(zopts)))
    for (const rep of reps) await rep.bind("tcp://127.0.0.1:*")
    const req = sockets.add(new Request(opts))
    for (const rep of reps) req.connect(boundEndpoint(rep))
    for (let i = 0; i < 6; i++) {
      await req.send(`${i}`)
      const rep = reps[i % 3]!
      assert.equal((await rep.receive())[0]!.toString(), `${i}`)
      await rep.send(`r${i}`)
      assert.equal((await req.receive())[0]!.toString(), `r${i}`)
    }
  })

  it("REQ send out of turn fails at once with EFSM, and receive before send too", async () => {
    const rep = sockets.add(new zmq.Reply(zopts))
    const req = sockets.add(new Request(opts))
    await wire(rep, req)
    await assert.rejects(req.receive(), { code: "EFSM" })
    await req.send("one")
    await assert.rejects(req.send("two"), { code: "EFSM" })
    await rep.receive()
    await rep.send("reply")
    assert.equal((await req.receive())[0]!.toString(), "reply")
    await req.send("two") // allowed again after the reply
  })

  it("REP send before receive fails with EFSM", async () => {
    const rep = sockets.add(new Reply(opts))
    await assert.rejects(rep.send("nothing asked"), { code: "EFSM" })
  })

  it("ROUTER drops unknown ids, or rejects with EHOSTUNREACH when mandatory", async () => {
    const router = sockets.add(new Router(opts))
    await router.send(["nobody", "lost"]) // dropped silently
    router.mandatory = true
    await assert.rejects(router.send(["nobody", "lost"]), { code: "EHOSTUNREACH" })
  })

  it("omq ROUTER connect() with a chosen routing id routes to that peer", async () => {
    const router = sockets.add(new Router(opts))
    const peer = sockets.add(new zmq.Router(zopts))
    await peer.bind("tcp://127.0.0.1:*")
    router.connect(boundEndpoint(peer), { routingId: "server-a" })
    router.mandatory = true
    // Until the handshake completes the id is unknown: retry until it routes.
    await retryWhile("EHOSTUNREACH", () => router.send(["server-a", "hi"]))
    const [, body] = await peer.receive()
    assert.equal(body!.toString(), "hi")
  })
})

forEachIoThreads("interop ROUTER↔ROUTER", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  /** Sends until the peer's id is routable (it becomes known once the handshake completes). */
  async function sendWhenRoutable(router: Router, frames: string[]): Promise<void> {
    router.mandatory = true
    await retryWhile("EHOSTUNREACH", () => router.send(frames))
  }

  it("omq ROUTER connects to zmq ROUTER (ids on both sides)", async () => {
    const zr = sockets.add(new zmq.Router({ linger: 0, routingId: "zr" }))
    await zr.bind("tcp://127.0.0.1:*")
    const or = sockets.add(new Router({ ...opts, routingId: "or" }))
    or.connect(boundEndpoint(zr), { routingId: "zr" })
    await sendWhenRoutable(or, ["zr", "hi"])
    assert.deepEqual(text(await zr.receive()), ["or", "hi"])
    await zr.send(["or", "back"])
    assert.deepEqual(text(await or.receive()), ["zr", "back"])
  })

  it("zmq ROUTER connects to omq ROUTER (ids on both sides)", async () => {
    const or = sockets.add(new Router({ ...opts, routingId: "or" }))
    await or.bind("tcp://127.0.0.1:*")
    const zr = sockets.add(new zmq.Router({ linger: 0, routingId: "zr", mandatory: true }))
    zr.connect(boundEndpoint(or), { routingId: "or" })
    await retryWhile("EHOSTUNREACH", () => zr.send(["or", "hi"]))
    assert.deepEqual(text(await or.receive()), ["zr", "hi"])
    await or.send(["zr", "back"])
    assert.deepEqual(text(await zr.receive()), ["or", "back"])
  })
})
