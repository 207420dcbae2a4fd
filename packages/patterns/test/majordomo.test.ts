// The Majordomo broker, worker and client (RFC 7 MDP/0.1, RFC 8 MMI) over real sockets on tcp.
// Heartbeats and expiry run on injected clocks (one per party, so each fireAll() is one interval
// for exactly the party the test means), and the test waits on the broker's events, not on time.
// MDP/0.2, versions mixed, drain and heartbeat mismatch: majordomo-02.test.ts.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { Dealer, Router, ZmqError } from "omq"
import {
  MDP_CLIENT,
  parseClientReply,
  parseToBroker,
  parseToWorker,
} from "../src/majordomo-protocol.js"
import {
  MajordomoBroker,
  MajordomoClient,
  MajordomoWorker,
  MDP_READY,
  MDP_REQUEST,
  MDP_WORKER,
} from "../src/mod.js"
import { majordomoFixture } from "./majordomo-fixture.js"
import { ManualClock } from "./manual-clock.js"

describe("Majordomo (RFC 7, RFC 8)", () => {
  const { log, pirate, keep } = majordomoFixture()

  const broker = async (clock: ManualClock, requestTimeout?: number) =>
    keep(
      await MajordomoBroker.bind("tcp://127.0.0.1:*", {
        clock,
        ...(requestTimeout ? { requestTimeout } : {}),
      }),
    )
  /** A worker for `service`, resolved once the broker has registered it. */
  const worker = async (
    b: MajordomoBroker,
    service: string,
    handler: (body: Buffer[]) => string[] | Promise<string[]>,
    clock = new ManualClock(),
  ) => {
    const ready = log.next((e) => e.type === "worker-ready" && e.service === service)
    const w = keep(new MajordomoWorker(b.socket.lastEndpoint!, service, handler, { clock }))
    await ready
    return w
  }
  const client = (b: MajordomoBroker, clock = new ManualClock()) =>
    keep(new MajordomoClient(b.socket.lastEndpoint!, { clock }))
  const text = (frames: Buffer[]) => frames.map(String)

  it("echo: a multi-frame request comes back whole, from the service asked", async () => {
    const b = await broker(new ManualClock())
    await worker(b, "echo", (body) => body.map(String))
    const c = client(b)
    assert.deepEqual(text(await c.request("echo", ["hello", "", "world"])), ["hello", "", "world"])
    assert.deepEqual(text(await c.request("echo", "again")), ["again"])
    assert.equal(b.waiting, 0)
  })

  it("two services are routed apart, and a service's workers take turns, idle longest first", async () => {
    const b = await broker(new ManualClock())
    await worker(b, "upper", ([s]) => [`${String(s).toUpperCase()} by u1`])
    await worker(b, "upper", ([s]) => [`${String(s).toUpperCase()} by u2`])
    await worker(b, "reverse", ([s]) => [[...String(s)].reverse().join("")])
    const c = client(b)
    const answers: string[] = []
    for (const word of ["abc", "def", "ghi"]) {
      answers.push(...text(await c.request("upper", word)))
      answers.push(...text(await c.request("reverse", word)))
    }
    assert.deepEqual(answers, ["ABC by u1", "cba", "DEF by u2", "fed", "GHI by u1", "ihg"])
  })

  it("a request for a service without workers waits, and is served when a worker for it comes", async () => {
    const b = await broker(new ManualClock())
    const c = client(b)
    const queued = log.next("request-queued")
    const reply = c.request("late", "are you there?")
    assert.deepEqual(await queued, { type: "request-queued", service: "late", waiting: 1 })
    await worker(b, "late", ([s]) => [`yes: ${String(s)}`])
    assert.deepEqual(text(await reply), ["yes: are you there?"])
    assert.equal(b.waiting, 0)
  })

  it("a waiting request expires after requestTimeout", async () => {
    const clock = new ManualClock()
    const b = await broker(clock, 5_000)
    const queued = log.next("request-queued")
    void client(b)
      .request("nobody", "hello?")
      .catch(() => {}) // closed at the end of the test
    await queued
    assert.equal(b.waiting, 1)
    const expired = log.next("request-expired")
    clock.fireAll()
    assert.deepEqual(await expired, { type: "request-expired", service: "nobody" })
    assert.equal(b.waiting, 0)
  })

  it("the broker keeps no state for a service nobody serves or waits on: many made-up names leave none", async () => {
    const clock = new ManualClock()
    const b = await broker(clock, 5_000)
    const names = Array.from({ length: 50 }, (_, i) => `made-up-${i}`)
    const raw = keep(new Dealer({ linger: 0 }))
    raw.connect(b.socket.lastEndpoint!)
    const allQueued = log.atLeast(names.length, "request-queued")
    for (const name of names) await raw.send(["", MDP_CLIENT, name, "anyone?"])
    await allQueued
    assert.deepEqual([b.services, b.waiting], [names.length, names.length])
    const allExpired = log.atLeast(names.length, "request-expired")
    clock.fireAll()
    await allExpired
    assert.deepEqual([b.services, b.waiting], [0, 0])
    // Asking MMI about a name keeps nothing either; a service lasts while it has a worker.
    const c = client(b)
    assert.deepEqual(text(await c.request("mmi.service", "ghost")), ["404"])
    assert.equal(b.services, 0)
    const w = await worker(b, "echo", (body) => body.map(String))
    assert.equal(b.services, 1)
    const gone = log.next("worker-disconnected")
    w.close()
    await gone
    assert.deepEqual([b.services, b.workers], [0, 0])
  })

  it("MMI: mmi.service says 200 or 404, other mmi.* 501; a worker offering mmi.* is disconnected", async () => {
    const b = await broker(new ManualClock())
    await worker(b, "echo", (body) => body.map(String))
    const c = client(b)
    assert.deepEqual(text(await c.request("mmi.service", "echo")), ["200"])
    assert.deepEqual(text(await c.request("mmi.service", "nothing")), ["404"])
    assert.deepEqual(text(await c.request("mmi.services", "")), ["501"])
    const refused = log.next("worker-disconnected")
    keep(
      new MajordomoWorker(b.socket.lastEndpoint!, "mmi.mine", () => [], {
        clock: new ManualClock(),
      }),
    )
    const event = await refused
    assert.match(
      event.type === "worker-disconnected" ? event.reason : "",
      /may not offer mmi\.mine/,
    )
    assert.equal(b.workers, 1)
  })

  it("a worker silent for `liveness` heartbeats is dropped; the request it held goes to the next worker", async () => {
    const brokerClock = new ManualClock()
    const b = await broker(brokerClock)
    // A stuck worker: READY, then nothing (no heartbeats, no replies).
    const stuck = keep(new Dealer({ linger: 0 }))
    const known = log.next("worker-ready")
    stuck.connect(b.socket.lastEndpoint!)
    await stuck.send(["", MDP_WORKER, Uint8Array.of(MDP_READY), "echo"])
    await known
    // The client's clock stands still: whatever serves the request, it is not the client's retry.
    const reply = client(b).request("echo", "job")
    const [, header, command, , , body] = await stuck.receive()
    assert.deepEqual([String(header), command![0], String(body)], [MDP_WORKER, MDP_REQUEST, "job"])
    const expired = log.next("worker-expired")
    const requeued = log.next("request-requeued")
    for (let i = 0; i < 3; i++) brokerClock.fireAll()
    assert.equal((await expired).type, "worker-expired")
    assert.equal((await requeued).type, "request-requeued")
    assert.deepEqual([b.workers, b.waiting], [0, 1])
    await worker(b, "echo", (frames) => frames.map((f) => `served: ${String(f)}`))
    assert.deepEqual(text(await reply), ["served: job"])
    assert.deepEqual(pirate.events, [])
  })

  it("a worker the broker forgot is told DISCONNECT, comes back on a fresh socket, and serves", async () => {
    const brokerClock = new ManualClock()
    const workerClock = new ManualClock()
    const b = await broker(brokerClock)
    await worker(b, "echo", (body) => body.map(String), workerClock)
    const [first] = log.ofType("worker-ready")
    // The broker hears nothing for three intervals (the worker's clock stands still) and forgets it.
    const expired = log.next("worker-expired")
    for (let i = 0; i < 3; i++) brokerClock.fireAll()
    await expired
    // The worker's next heartbeat is out of turn: the broker answers DISCONNECT.
    const lost = log.next("broker-lost")
    workerClock.fireAll()
    assert.deepEqual(await lost, {
      type: "broker-lost",
      service: "echo",
      reason: "the broker said DISCONNECT",
      reconnectIn: 2_500,
    })
    const again = log.next("worker-ready")
    workerClock.fireAll() // the reconnect wait
    const second = await again
    assert.notEqual(second.type === "worker-ready" && second.worker, first?.worker)
    assert.deepEqual(text(await client(b).request("echo", "back")), ["back"])
  })

  it("a handler that throws: the worker says DISCONNECT and comes back; its request goes back to the queue", async () => {
    const workerClock = new ManualClock()
    const b = await broker(new ManualClock())
    let calls = 0
    await worker(
      b,
      "flaky",
      (body) => {
        if (++calls === 1) throw new Error("first call fails")
        return body.map((f) => `ok: ${String(f)}`)
      },
      workerClock,
    )
    const left = log.next("worker-disconnected")
    const requeued = log.next("request-requeued")
    const lost = log.next("broker-lost")
    const reply = client(b).request("flaky", "x")
    assert.equal((await left).type === "worker-disconnected" && b.workers, 0)
    await requeued
    assert.equal(b.waiting, 1)
    const event = await lost
    assert.match(
      event.type === "broker-lost" ? event.reason : "",
      /handler threw: first call fails/,
    )
    workerClock.fireAll() // the reconnect wait: READY again, and the request is given to it
    assert.deepEqual(text(await reply), ["ok: x"])
    assert.equal(calls, 2)
    assert.deepEqual(pirate.events, [], "no client retry was needed")
  })

  it("a request whose worker leaves twice is lost, not passed round for ever; the client's retry asks again", async () => {
    const workerClock = new ManualClock()
    const clientClock = new ManualClock()
    const b = await broker(new ManualClock())
    let calls = 0
    await worker(
      b,
      "poison",
      (body) => {
        calls++
        if (String(body[0]) === "bad") throw new Error("cannot take it")
        return ["fine"]
      },
      workerClock,
    )
    const lost = log.next("request-lost")
    const reply = client(b, clientClock).request("poison", "bad")
    reply.catch(() => {}) // closed at the end of the test
    await log.next("request-requeued")
    workerClock.fireAll() // back: given the request once more, and fails again
    assert.deepEqual(await lost, {
      type: "request-lost",
      service: "poison",
      worker: log.ofType("worker-ready")[1]?.worker,
      reason: "it was given to a worker that left once already",
    })
    assert.deepEqual([calls, b.waiting], [2, 0])
    const back = log.next("worker-ready")
    workerClock.fireAll() // back again, and nothing is waiting for it
    await back
    const again = log.next("request-requeued")
    clientClock.fireAll() // the client's timeout: it asks again, on a fresh socket
    await again
    assert.equal(calls, 3)
    assert.deepEqual(
      pirate.events.map((e) => e.type),
      ["retry"],
    )
  })

  it("close() says DISCONNECT: the broker forgets the worker at once", async () => {
    const b = await broker(new ManualClock())
    const w = await worker(b, "echo", (body) => body.map(String))
    const gone = log.next("worker-disconnected")
    w.close()
    const event = await gone
    assert.equal(event.type === "worker-disconnected" && event.reason, "it said DISCONNECT")
    assert.equal(b.workers, 0)
  })

  it("malformed messages from a raw DEALER are dropped; the broker goes on serving a good client", async () => {
    const b = await broker(new ManualClock())
    await worker(b, "echo", (body) => body.map(String))
    const hostile = keep(new Dealer({ linger: 0 }))
    hostile.connect(b.socket.lastEndpoint!)
    const garbage = [
      ["just one frame"],
      ["", "MDPX99", "echo"],
      ["", "MDPC01"], // no service
      ["", MDP_WORKER, Uint8Array.of(MDP_READY)], // READY without a service
      ["", MDP_WORKER, Uint8Array.of(0x09)], // no such command
      ["", MDP_WORKER, Uint8Array.of(0x03), "client"], // REPLY without a delimiter
    ]
    let dropped = 0
    const allDropped = new Promise<void>((resolve) => {
      const count = (): void => {
        void log.next("malformed").then(() => (++dropped === garbage.length ? resolve() : count()))
      }
      count()
    })
    for (const message of garbage) await hostile.send(message)
    await allDropped
    assert.equal(log.ofType("malformed").length, garbage.length)
    assert.deepEqual(text(await client(b).request("echo", "still here")), ["still here"])
    assert.equal(b.workers, 1)
  })

  it("a worker's frames as a raw ROUTER sees them: READY, heartbeats while its handler runs, REPLY", async () => {
    const clock = new ManualClock()
    const fake = keep(new Router({ linger: 0 }))
    await fake.bind("tcp://127.0.0.1:*")
    let release: () => void = () => {}
    const handlerDone = new Promise<void>((resolve) => {
      release = resolve
    })
    keep(
      new MajordomoWorker(
        fake.lastEndpoint!,
        "slow",
        async (body) => {
          await handlerDone
          return [`done: ${text(body).join("+")}`]
        },
        { clock },
      ),
    )
    const [id, ...ready] = await fake.receive()
    assert.deepEqual(ready, [
      Buffer.from(""),
      Buffer.from("MDPW01"),
      Buffer.of(0x01),
      Buffer.from("slow"),
    ])
    await fake.send([id!, "", MDP_WORKER, Uint8Array.of(MDP_REQUEST), "client-7", "", "a", "b"])
    // Two intervals pass while the handler is still at work: a heartbeat each time.
    for (let i = 0; i < 2; i++) {
      await clock.untilArmed()
      clock.fireAll()
      const [, ...heartbeat] = await fake.receive()
      assert.deepEqual(heartbeat, [Buffer.from(""), Buffer.from("MDPW01"), Buffer.of(0x04)])
    }
    release()
    const [, ...reply] = await fake.receive()
    assert.deepEqual(text(reply), ["", "MDPW01", "\x03", "client-7", "", "done: a+b"])
  })

  it("the parsers: RFC 7 frames in, EPROTO for anything else", () => {
    const f = (...frames: Array<string | number[]>) =>
      frames.map((x) => (typeof x === "string" ? Buffer.from(x) : Buffer.from(x)))
    const eproto = (err: unknown) => err instanceof ZmqError && err.code === "EPROTO"
    assert.deepEqual(parseToBroker(f("", "MDPW01", [1], "echo")), {
      from: "worker",
      mdp: "0.1",
      command: "ready",
      service: "echo",
    })
    const request = parseToWorker(f("", "MDPW01", [2], "c1", "c2", "", "body"))
    assert.deepEqual(
      request.command === "request" && [text(request.envelope), text(request.body)],
      [["c1", "c2"], ["body"]],
    )
    assert.deepEqual(text(parseClientReply(f("MDPC01", "echo", "a", "b"), "echo")), ["a", "b"])
    assert.throws(() => parseToBroker(f("", "MDPW01", [4], "extra")), eproto)
    assert.throws(() => parseToBroker(f("", "MDPW01", [2], "c", "", "x")), eproto) // a broker's command
    assert.throws(() => parseToWorker(f("", "MDPW01", [2], "", "x")), eproto) // no client address
    assert.throws(() => parseToWorker(f("MDPW01", [4])), eproto) // no delimiter
    assert.throws(() => parseClientReply(f("MDPC01", "other"), "mine"), eproto)
  })
})
