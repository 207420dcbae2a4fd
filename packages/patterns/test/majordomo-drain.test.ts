// Majordomo workers leaving and misbehaving: drain() loses no request (in either version), a
// request is given to another worker only while none of its reply reached the client, and a
// worker heartbeating at another interval than the broker's is reported, once. Real sockets on
// tcp; the broker's clock is advanced by hand, so "intervals" are exact.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { Dealer } from "omq"
import { HeartbeatGaps } from "../src/heartbeat-gaps.js"
import type { MdpVersion } from "../src/majordomo-protocol.js"
import {
  MajordomoBroker,
  MajordomoClient,
  type MajordomoHandler,
  MajordomoWorker,
} from "../src/mod.js"
import { majordomoFixture } from "./majordomo-fixture.js"
import { ManualClock } from "./manual-clock.js"

const text = (frames: Buffer[]) => frames.map(String)

describe("Majordomo: leaving workers and heartbeat mismatch", () => {
  const { log, pirate, keep } = majordomoFixture()

  const broker = async (clock = new ManualClock()) =>
    keep(await MajordomoBroker.bind("tcp://127.0.0.1:*", { clock }))
  const worker = async (
    at: MajordomoBroker,
    service: string,
    mdp: MdpVersion,
    handler: MajordomoHandler,
  ) => {
    const ready = log.next((e) => e.type === "worker-ready" && e.service === service)
    const w = keep(
      new MajordomoWorker(at.socket.lastEndpoint!, service, handler, {
        mdp,
        clock: new ManualClock(),
      }),
    )
    return { w, key: ((await ready) as { worker: string }).worker }
  }
  const client = (at: MajordomoBroker, mdp: MdpVersion, clock = new ManualClock()) =>
    keep(new MajordomoClient(at.socket.lastEndpoint!, { mdp, clock }))
  /** A promise and its resolver. */
  const gate = () => {
    let open!: () => void
    const opened = new Promise<void>((resolve) => {
      open = resolve
    })
    return { open, opened }
  }

  for (const mdp of ["0.1", "0.2"] as const) {
    it(`drain() mid-request (MDP/${mdp}): its reply arrives; a request crossing the DISCONNECT goes to the next worker`, async () => {
      const at = await broker()
      const started = gate()
      const finish = gate()
      const served: string[] = []
      const a = await worker(at, "job", mdp, async ([word], reply) => {
        served.push(`A: ${String(word)}`)
        started.open()
        await reply.partial("on it")
        await finish.opened
        return `A did ${String(word)}`
      })
      const first = client(at, mdp).request("job", "one")
      await started.opened
      const queued = log.next("request-queued")
      const second = client(at, mdp).request("job", "two")
      await queued // A is busy: "two" waits for it
      const drained = a.w.drain()
      assert.equal(a.w.drain(), drained, "drain() twice is the same drain")
      const left = log.next("worker-disconnected")
      const requeued = log.next("request-requeued")
      finish.open()
      // The broker reads A's FINAL, takes A for idle and gives it "two"; then reads A's
      // DISCONNECT, and puts "two" back at the head of the queue. A never starts it.
      assert.deepEqual(text(await first), ["A did one"])
      assert.deepEqual(await left, {
        type: "worker-disconnected",
        worker: a.key,
        reason: "it said DISCONNECT",
      })
      assert.deepEqual(await requeued, { type: "request-requeued", service: "job", worker: a.key })
      await drained
      assert.deepEqual([at.workers, at.waiting], [0, 1])
      await worker(at, "job", mdp, ([word]) => `B did ${String(word)}`)
      assert.deepEqual(text(await second), ["B did two"])
      assert.deepEqual(served, ["A: one"])
      assert.deepEqual(pirate.events, [], "no client had to ask again")
      assert.deepEqual(
        log.ofType("drained").map((e) => e.service),
        ["job"],
      )
      assert.deepEqual(log.ofType("request-lost"), [])
    })
  }

  it("drain() of an idle worker leaves at once; a worker draining takes no new request", async () => {
    const at = await broker()
    const idle = await worker(at, "rest", "0.2", () => "never asked")
    const left = log.next("worker-disconnected")
    await idle.w.drain()
    assert.equal((await left).type, "worker-disconnected")
    assert.equal(at.workers, 0)
    await idle.w.drain() // once drained, again is nothing
    const queued = log.next("request-queued")
    const reply = client(at, "0.2").request("rest", "anyone?")
    await queued
    await worker(at, "rest", "0.2", () => "the next one")
    assert.deepEqual(text(await reply), ["the next one"])
  })

  it("a request part of whose reply reached a 0.2 client is not started again; one a 0.1 client never saw part of is", async () => {
    const at = await broker()
    /** Sends a PARTIAL, says so, and never finishes. */
    const feed =
      (sent: () => void): MajordomoHandler =>
      async (_, reply) => {
        await reply.partial("part 1")
        sent()
        return new Promise(() => {})
      }
    const stuck02 = await worker(
      at,
      "feed",
      "0.2",
      feed(() => {}),
    )
    const clientClock = new ManualClock()
    const stream = client(at, "0.2", clientClock).stream("feed", "go")
    assert.deepEqual(text(((await stream.next()).value as Buffer[]) ?? []), ["part 1"])
    const lost = log.next("request-lost")
    stuck02.w.close()
    assert.deepEqual(await lost, {
      type: "request-lost",
      service: "feed",
      worker: stuck02.key,
      reason: "part of its reply had reached the client",
    })
    assert.equal(at.waiting, 0)
    const rest = stream.next()
    await clientClock.untilArmed()
    clientClock.fireAll() // no next part in time: the stream ends in EAGAIN, not a second start
    await assert.rejects(rest, { code: "EAGAIN" })
    // The same worker for a 0.1 client: its PARTIAL was dropped at the broker, so nothing of
    // the reply reached the client, and the request may start over elsewhere.
    const partial = gate()
    const stuck01 = await worker(at, "feed", "0.2", feed(partial.open))
    const requeued = log.next("request-requeued")
    const reply = client(at, "0.1").request("feed", "go")
    await partial.opened // on the pipe before the DISCONNECT close() says
    stuck01.w.close()
    assert.equal((await requeued).type, "request-requeued")
    await worker(at, "feed", "0.1", () => "from the next worker")
    assert.deepEqual(text(await reply), ["from the next worker"])
  })

  describe("heartbeat mismatch", () => {
    /**
     * A raw MDP/0.2 worker with a request in hand from a raw client. Each beat moves the broker's
     * clock on by `gap` first, then sends HEARTBEAT and a PARTIAL; the PARTIAL reaching the
     * client says the broker has read the HEARTBEAT (one pipe keeps order; one loop reads it).
     */
    const rawWorker = async (at: MajordomoBroker, clock: ManualClock, service: string) => {
      const w = keep(new Dealer({ linger: 0 }))
      const c = keep(new Dealer({ linger: 0 }))
      w.connect(at.socket.lastEndpoint!)
      c.connect(at.socket.lastEndpoint!)
      const ready = log.next("worker-ready")
      await w.send(["MDPW02", Uint8Array.of(0x01), service])
      const key = ((await ready) as { worker: string }).worker
      await c.send(["MDPC02", Uint8Array.of(0x01), service, "go"])
      let request = await w.receive()
      while (request[1]![0] !== 0x02) request = await w.receive() // past the broker's beats
      const envelope = request[2]!
      let beats = 0
      const beat = async (gap: number) => {
        clock.advance(gap)
        await w.send(["MDPW02", Uint8Array.of(0x05)])
        await w.send(["MDPW02", Uint8Array.of(0x03), envelope, "", `beat ${++beats}`])
        assert.equal(String((await c.receive())[3]), `beat ${beats}`)
      }
      return { key, beat }
    }

    it("is published once for a worker beating every 5 s to a 2.5 s broker, never for jitter", async () => {
      const clock = new ManualClock()
      const at = await broker(clock)
      const steady = await rawWorker(at, clock, "steady")
      for (const gap of [2_500, 2_400, 2_650, 2_450, 2_500]) await steady.beat(gap)
      assert.deepEqual(log.ofType("heartbeat-mismatch"), [])
      const slow = await rawWorker(at, clock, "slow")
      for (let i = 0; i < 6; i++) await slow.beat(5_000)
      assert.deepEqual(log.ofType("heartbeat-mismatch"), [
        {
          type: "heartbeat-mismatch",
          worker: slow.key,
          service: "slow",
          expected: 2_500,
          observed: 5_000,
        },
      ])
      // Reported, not punished: at twice the interval it still beats within the liveness.
      assert.deepEqual(
        log.ofType("worker-expired").filter((e) => e.worker === slow.key),
        [],
      )
    })

    it("HeartbeatGaps: the median of three gaps, against a tolerance of 1.5 × either way", () => {
      const judge = (expected: number, times: number[]) => {
        const gaps = new HeartbeatGaps()
        return times.map((t) => gaps.mismatch(t, expected))
      }
      // Too fast (every 1 s to a 2.5 s broker): told at the third gap, then never again.
      assert.deepEqual(judge(2_500, [0, 1_000, 2_000, 3_000, 4_000]), [
        null,
        null,
        null,
        1_000,
        null,
      ])
      // One long stall among steady beats is shrugged off.
      assert.deepEqual(judge(1_000, [0, 1_000, 4_000, 5_000, 6_000, 7_000]), Array(6).fill(null))
      // Just inside the tolerance, both ways; just outside.
      assert.deepEqual(judge(1_000, [0, 1_490, 2_980, 4_470]), Array(4).fill(null))
      assert.deepEqual(judge(1_000, [0, 670, 1_340, 2_010]), Array(4).fill(null))
      assert.deepEqual(judge(1_000, [0, 1_600, 3_200, 4_800]), [null, null, null, 1_600])
      // A clock that stood still between beats measured nothing.
      assert.deepEqual(judge(1_000, [0, 0, 0, 0, 0]), Array(5).fill(null))
    })
  })
})
