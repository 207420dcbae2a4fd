// REQ and REP as RFC 28 specifies them: the behaviours libzmq checks in tests/test_spec_req.cpp
// and tests/test_spec_rep.cpp, between omq sockets, over every transport and in both IO modes.
import assert from "node:assert/strict"
import { it } from "node:test"
import { retryWhile } from "./helpers/interop.js"
import {
  Arrivals,
  assertBlocksWithNoPeers,
  assertNothingArrives,
  BOUND,
  bindAddress,
  endpointOf,
  forEachSpecSuite,
  text,
  untilEveryPeerReached,
} from "./helpers/spec.js"

const PEERS = 5

forEachSpecSuite("REQ/REP", ({ transport, lib, sockets, opts }) => {
  it("REQ round_robin_out: requests go to each REP in turn", BOUND, async () => {
    const req = sockets.add(new lib.Request(opts))
    await req.bind(bindAddress(transport))
    const reps = Array.from({ length: PEERS }, () => sockets.add(new lib.Reply(opts)))
    for (const rep of reps) rep.connect(endpointOf(req))
    const arrivals = new Arrivals(reps)
    /** One request and its reply; returns which REP served it. */
    const roundTrip = async (request: string): Promise<number> => {
      await req.send(request)
      const { index, frames } = await arrivals.next()
      assert.deepEqual(text(frames), [request])
      await reps[index]!.send(`re: ${request}`)
      assert.deepEqual(text(await req.receive()), [`re: ${request}`])
      return index
    }
    await untilEveryPeerReached(PEERS, (i) => roundTrip(`probe ${i}`))

    const served: number[] = []
    for (let i = 0; i < 2 * PEERS; i++) served.push(await roundTrip(`request ${i}`))
    const firstTurn = served.slice(0, PEERS)
    assert.equal(new Set(firstTurn).size, PEERS, `served by REPs ${served.join(", ")}`)
    assert.deepEqual(served.slice(PEERS), firstTurn, "the second turn takes the same order")
  })

  it(
    "REQ req_only_listens_to_current_peer: replies from peers it did not ask are dropped",
    BOUND,
    async () => {
      const req = sockets.add(new lib.Request({ ...opts, routingId: "A" }))
      await req.bind(bindAddress(transport))
      const routers = Array.from({ length: 3 }, () =>
        sockets.add(new lib.Router({ ...opts, mandatory: true })),
      )
      for (const router of routers) router.connect(endpointOf(req))
      // Wait until every ROUTER can reach "A" (mandatory: EHOSTUNREACH until then), so that the
      // wrong replies below are really sent. The probe has no delimiter: the REQ drops it.
      for (const router of routers)
        await retryWhile("EHOSTUNREACH", () => router.send(["A", "probe"]), 2)

      const arrivals = new Arrivals(routers)
      for (let round = 0; round < routers.length; round++) {
        await req.send(`request ${round}`)
        const { index: asked, frames } = await arrivals.next()
        assert.deepEqual(text(frames), ["A", "", `request ${round}`])
        for (const [j, router] of routers.entries()) {
          if (j !== asked) await router.send(["A", "", `wrong ${round}`])
        }
        // The wrong replies arrive and are dropped: the REQ still has no reply...
        await assertNothingArrives(req)
        // ...until the peer it asked answers.
        await routers[asked]!.send(["A", "", `good ${round}`])
        assert.deepEqual(text(await req.receive()), [`good ${round}`])
      }
    },
  )

  it(
    "REQ req_message_format: a ROUTER sees [id, '', body]; its reply reaches REQ without the delimiter",
    BOUND,
    async () => {
      const req = sockets.add(new lib.Request(opts))
      await req.bind(bindAddress(transport))
      const router = sockets.add(new lib.Router(opts))
      router.connect(endpointOf(req))

      await req.send(["ABC", "DEF"])
      const [id, delimiter, ...body] = await router.receive()
      assert.ok(id !== undefined && id.length > 0, "the peer's routing id comes first")
      assert.equal(delimiter?.length, 0, "then the empty delimiter the REQ added")
      assert.deepEqual(text(body), ["ABC", "DEF"])

      await router.send([id, "", "GHI"])
      assert.deepEqual(text(await req.receive()), ["GHI"])
    },
  )

  it(
    "REQ block_on_send_no_peers: with no peer, send() rejects with EAGAIN at sendTimeout",
    BOUND,
    async () => {
      const req = sockets.add(new lib.Request(opts))
      await req.bind(bindAddress(transport))
      const rep = await assertBlocksWithNoPeers(req, () => sockets.add(new lib.Reply(opts)))
      await rep.send("reply")
      assert.deepEqual(text(await req.receive()), ["reply"])
    },
  )

  it(
    "REP fair_queue_in: serves a request from every REQ and answers each its own",
    BOUND,
    async () => {
      const rep = sockets.add(new lib.Reply(opts))
      await rep.bind(bindAddress(transport))
      const reqs = Array.from({ length: PEERS }, () => sockets.add(new lib.Request(opts)))
      for (const req of reqs) req.connect(endpointOf(rep))

      // One peer, twice in a row.
      for (let i = 0; i < 2; i++) {
        await reqs[0]!.send("A")
        assert.deepEqual(text(await rep.receive()), ["A"])
        await rep.send("A")
        assert.deepEqual(text(await reqs[0]!.receive()), ["A"])
      }

      // Every peer at once.
      const names = reqs.map((_, i) => String.fromCharCode(0x41 + i))
      for (const [i, req] of reqs.entries()) await req.send(names[i]!)
      const served: string[] = []
      for (let n = 0; n < PEERS; n++) {
        const [request] = text(await rep.receive())
        served.push(request!)
        await rep.send(`re: ${request}`)
      }
      assert.deepEqual([...served].sort(), names, "one request from each peer")
      for (const [i, req] of reqs.entries()) {
        assert.deepEqual(text(await req.receive()), [`re: ${names[i]}`])
      }
    },
  )

  it(
    "REP envelope: keeps every frame up to the delimiter and puts it back on the reply",
    BOUND,
    async () => {
      const rep = sockets.add(new lib.Reply(opts))
      await rep.bind(bindAddress(transport))
      const dealer = sockets.add(new lib.Dealer(opts))
      dealer.connect(endpointOf(rep))

      // The smallest envelope: just the delimiter.
      await dealer.send(["", "A"])
      assert.deepEqual(text(await rep.receive()), ["A"])
      await rep.send("A")
      assert.deepEqual(text(await dealer.receive()), ["", "A"])

      // Several routing frames before the delimiter, and a reply of several frames.
      await dealer.send(["X", "Y", "", "A"])
      assert.deepEqual(text(await rep.receive()), ["A"])
      await rep.send(["B", "C"])
      assert.deepEqual(text(await dealer.receive()), ["X", "Y", "", "B", "C"])
    },
  )

  it("REP drops a request without a delimiter and serves the next one", BOUND, async () => {
    const rep = sockets.add(new lib.Reply(opts))
    await rep.bind(bindAddress(transport))
    const dealer = sockets.add(new lib.Dealer(opts))
    dealer.connect(endpointOf(rep))

    await dealer.send(["no", "delimiter"])
    await dealer.send(["", "good"])
    assert.deepEqual(text(await rep.receive()), ["good"])
    await rep.send("reply")
    assert.deepEqual(text(await dealer.receive()), ["", "reply"])
  })
})
