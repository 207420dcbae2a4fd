// The Paranoid Pirate queue and worker (RFC 6) over real sockets, their heartbeats driven by an
// injected clock: each fireAll() is one interval for every timer, so liveness runs out exactly
// when the test says.
import { strict as assert } from "node:assert"
import { afterEach, beforeEach, describe, it } from "node:test"
import { Dealer, Request, Router } from "omq"
import {
  type ParanoidPirateEvent,
  ParanoidPirateQueue,
  ParanoidPirateWorker,
  PPP_HEARTBEAT,
  PPP_READY,
} from "../src/mod.js"
import { EventLog } from "./event-log.js"
import { ManualClock } from "./manual-clock.js"

describe("Paranoid Pirate (RFC 6)", () => {
  const log = new EventLog<ParanoidPirateEvent>("omq:patterns:paranoid-pirate")
  const nextEvent = (want: (e: ParanoidPirateEvent) => boolean) => log.next(want)
  const closers: Array<{ close(): void }> = []
  beforeEach(() => log.start())
  afterEach(() => {
    log.stop()
    for (const c of closers.splice(0)) c.close()
  })
  const isHeartbeat = (frames: Buffer[]) =>
    frames.length === 1 && frames[0]!.length === 1 && frames[0]![0] === PPP_HEARTBEAT[0]
  const keep = <T extends { close(): void }>(c: T): T => {
    closers.push(c)
    return c
  }

  async function queue(clock: ManualClock): Promise<ParanoidPirateQueue> {
    return keep(await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", { clock }))
  }
  const endpoints = (q: ParanoidPirateQueue) => ({
    frontend: q.frontend.lastEndpoint!,
    backend: q.backend.lastEndpoint!,
  })

  it("requests from a REQ client are served by the workers, each once, replies to their asker", async () => {
    const clock = new ManualClock()
    const q = await queue(clock)
    const readyBoth = log.atLeast(2, "worker-ready")
    for (const name of ["w1", "w2"]) {
      keep(
        new ParanoidPirateWorker(endpoints(q).backend, ([body]) => `${String(body)} by ${name}`, {
          clock,
        }),
      )
    }
    await readyBoth
    const client = keep(new Request({ linger: 0 }))
    client.connect(endpoints(q).frontend)
    const answers: string[] = []
    for (let i = 0; i < 6; i++) {
      await client.send(`r${i}`)
      answers.push(String(await client.receive()))
    }
    assert.deepEqual(
      answers.map((a) => a.split(" by ")[0]),
      ["r0", "r1", "r2", "r3", "r4", "r5"],
    )
    assert.deepEqual(new Set(answers.map((a) => a.split(" by ")[1])), new Set(["w1", "w2"]))
  })

  it("a worker silent for `liveness` heartbeats is forgotten; a held request goes to the next worker", async () => {
    const clock = new ManualClock()
    const q = await queue(clock)
    // A stuck worker: READY, then nothing (no heartbeats, no replies).
    const stuck = keep(new Dealer({ linger: 0 }))
    const known = nextEvent((e) => e.type === "worker-ready")
    stuck.connect(endpoints(q).backend)
    await stuck.send(PPP_READY)
    await known
    const client = keep(new Request({ linger: 0 }))
    client.connect(endpoints(q).frontend)
    await client.send("first")
    // The stuck worker got it (it was idle) and never answers; the queue hears nothing.
    const [request] = await stuck.receive().then((f) => [f.at(-1)])
    assert.equal(String(request), "first")
    const expired = nextEvent((e) => e.type === "worker-expired")
    for (let i = 0; i < 3; i++) clock.fireAll()
    await expired
    assert.equal(q.workers, 0)
    // The client gives up on "first" (a Lazy Pirate client would resend): a fresh REQ asks
    // again and the request waits in the queue until a worker comes.
    const retry = keep(new Request({ linger: 0 }))
    retry.connect(endpoints(q).frontend)
    await retry.send("first again")
    keep(new ParanoidPirateWorker(endpoints(q).backend, ([b]) => `done: ${String(b)}`, { clock }))
    assert.equal(String(await retry.receive()), "done: first again")
  })

  it("a worker that loses its queue dials again on a fresh socket, waits doubling from 1 s, and sends READY again", async () => {
    const clock = new ManualClock()
    // A queue that hears the worker but never heartbeats back.
    const silentQueue = keep(new Router({ linger: 0 }))
    await silentQueue.bind("tcp://127.0.0.1:*")
    keep(new ParanoidPirateWorker(silentQueue.lastEndpoint!, () => "", { clock }))
    /** The next READY's sender (heartbeats of an earlier socket may come first). */
    const nextReady = async (): Promise<string> => {
      for (;;) {
        const [id, body] = await silentQueue.receive()
        if (body![0] === PPP_READY[0]) return id!.toString("hex")
        assert.deepEqual([...body!], [...PPP_HEARTBEAT])
      }
    }
    const readies = [await nextReady()]
    const waits: number[] = []
    for (let round = 0; round < 3; round++) {
      const lost = nextEvent((e) => e.type === "queue-lost")
      for (let i = 0; i < 3; i++) clock.fireAll() // three heartbeat intervals, unanswered
      await lost
      const event = log.ofType("queue-lost").at(-1)!
      waits.push(event.type === "queue-lost" ? event.reconnectIn : -1)
      const back = nextEvent((e) => e.type === "reconnected")
      clock.fireAll() // the reconnect wait
      await back
      readies.push(await nextReady())
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000])
    const ids = new Set(readies)
    assert.equal(ids.size, 4, "a fresh socket (a new routing id) each time")
  })

  it("a worker reads the queue's heartbeats while its handler runs: a long handler does not make it take the queue for dead", async () => {
    // Real time, as an awaited handler (a pool's, a database call) takes it: heartbeats every
    // 100 ms, the queue dead after 5 silent ones, a handler of 1.5 s (15 intervals).
    const q = keep(
      await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
        interval: 100,
        liveness: 5,
      }),
    )
    const ready = nextEvent((e) => e.type === "worker-ready")
    keep(
      new ParanoidPirateWorker(
        endpoints(q).backend,
        async ([body]) => {
          await new Promise((resolve) => setTimeout(resolve, 1_500))
          return `slow ${String(body)}`
        },
        { interval: 100, liveness: 5 },
      ),
    )
    await ready
    const client = keep(new Request({ linger: 0 }))
    client.connect(endpoints(q).frontend)
    await client.send("one")
    assert.equal(String(await client.receive()), "slow one")
    assert.deepEqual(log.ofType("queue-lost"), [])
    assert.deepEqual(log.ofType("worker-expired"), [])
  })

  it("a handler that throws: the worker starts afresh (READY under a new identity) and serves the next request", async () => {
    const clock = new ManualClock()
    const q = await queue(clock)
    const first = nextEvent((e) => e.type === "worker-ready")
    keep(
      new ParanoidPirateWorker(
        endpoints(q).backend,
        ([body]) => {
          if (String(body) === "boom") throw new Error("the handler failed")
          return `ok ${String(body)}`
        },
        { clock },
      ),
    )
    await first
    const failed = nextEvent((e) => e.type === "handler-failed")
    const again = log.atLeast(2, "worker-ready")
    const doomed = keep(new Request({ linger: 0 }))
    doomed.connect(endpoints(q).frontend)
    await doomed.send("boom")
    assert.deepEqual(await failed, { type: "handler-failed", reason: "the handler failed" })
    await again
    const client = keep(new Request({ linger: 0 }))
    client.connect(endpoints(q).frontend)
    await client.send("next")
    assert.equal(String(await client.receive()), "ok next")
  })

  it("a worker heard again after it expired, with heartbeats and no READY, is idle again and gets requests", async () => {
    const clock = new ManualClock()
    const q = await queue(clock)
    const worker = keep(new Dealer({ linger: 0 }))
    const known = nextEvent((e) => e.type === "worker-ready")
    worker.connect(endpoints(q).backend)
    await worker.send(PPP_READY)
    await known
    const expired = nextEvent((e) => e.type === "worker-expired")
    for (let i = 0; i < 3; i++) clock.fireAll() // a partition: nothing heard for 3 intervals
    await expired
    const back = nextEvent((e) => e.type === "worker-ready")
    await worker.send(PPP_HEARTBEAT) // the partition heals: the worker never knew it expired
    await back
    const client = keep(new Request({ linger: 0 }))
    client.connect(endpoints(q).frontend)
    await client.send("after the partition")
    let request = await worker.receive()
    while (isHeartbeat(request)) request = await worker.receive() // the queue's, from before
    assert.equal(String(request.at(-1)), "after the partition")
  })

  it("a worker heartbeating at another interval than the queue's is reported (heartbeat-mismatch; once per worker: heartbeat-gaps' unit test)", async () => {
    // Real time: the queue beats every 100 ms, the worker (a raw DEALER) every 300 ms.
    const q = keep(
      await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
        interval: 100,
        liveness: 50,
      }),
    )
    const worker = keep(new Dealer({ linger: 0 }))
    worker.connect(endpoints(q).backend)
    await worker.send(PPP_READY)
    const mismatch = nextEvent((e) => e.type === "heartbeat-mismatch")
    const beating = setInterval(() => void worker.send(PPP_HEARTBEAT).catch(() => {}), 300)
    try {
      const event = await mismatch
      assert.equal(event.type === "heartbeat-mismatch" && event.expected, 100)
      // The median of three gaps: 300 ms, or more on a loaded machine; never the queue's 100.
      assert.ok(event.type === "heartbeat-mismatch" && event.observed >= 200, JSON.stringify(event))
    } finally {
      clearInterval(beating)
    }
  })
})
