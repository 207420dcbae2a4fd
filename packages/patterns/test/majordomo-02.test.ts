// MDP/0.2 (RFC 18): its frames as raw peers see them, one broker serving both versions at once
// (a 0.1 client of a 0.2 worker gets the FINAL only), and the DEALER client's retries, partial
// replies as an async iterator, and aborts. Real sockets on tcp; clocks injected, one per party.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { Dealer, Router, ZmqError } from "omq"
import {
  type MdpVersion,
  parseClientReply02,
  parseToBroker,
  parseToWorker,
} from "../src/majordomo-protocol.js"
import {
  MajordomoBroker,
  MajordomoClient,
  type MajordomoHandler,
  MajordomoWorker,
} from "../src/mod.js"
import { majordomoFixture } from "./majordomo-fixture.js"
import { ManualClock } from "./manual-clock.js"

const text = (frames: Buffer[]) => frames.map(String)
const b = (...frames: Array<string | number[]>) =>
  frames.map((x) => (typeof x === "string" ? Buffer.from(x) : Buffer.from(x)))

describe("Majordomo MDP/0.2 (RFC 18)", () => {
  const { log, pirate, keep } = majordomoFixture()

  const broker = async () =>
    keep(await MajordomoBroker.bind("tcp://127.0.0.1:*", { clock: new ManualClock() }))
  const worker = async (
    at: MajordomoBroker,
    service: string,
    mdp: MdpVersion,
    handler: MajordomoHandler,
    clock = new ManualClock(),
  ) => {
    const ready = log.next((e) => e.type === "worker-ready" && e.service === service)
    const w = keep(new MajordomoWorker(at.socket.lastEndpoint!, service, handler, { mdp, clock }))
    await ready
    return w
  }
  const client = (endpoint: string, mdp: MdpVersion, clock = new ManualClock(), retries = 3) =>
    keep(new MajordomoClient(endpoint, { mdp, clock, retries }))
  const collect = async (parts: AsyncIterable<Buffer[]>) => {
    const all: string[][] = []
    for await (const part of parts) all.push(text(part))
    return all
  }
  /** A raw ROUTER standing in for a broker, to see exactly what a client or worker sends. */
  const fakeBroker = async () => {
    const router = keep(new Router({ linger: 0 }))
    await router.bind("tcp://127.0.0.1:*")
    return router
  }

  it("a worker's frames as a raw ROUTER sees them: READY, PARTIALs, FINAL, HEARTBEAT, DISCONNECT", async () => {
    const clock = new ManualClock()
    const fake = await fakeBroker()
    const w = keep(
      new MajordomoWorker(
        fake.lastEndpoint!,
        "count",
        async (body, reply) => {
          await reply.partial("1 of 2")
          await reply.partial(["2 of 2", ...body])
          return "done"
        },
        { mdp: "0.2", clock },
      ),
    )
    const [id, ...ready] = await fake.receive()
    assert.deepEqual(ready, b("MDPW02", [0x01], "count"))
    await fake.send([id!, "MDPW02", Uint8Array.of(0x02), "client-9", "", "a", "b"])
    const replies = []
    for (let i = 0; i < 3; i++) replies.push((await fake.receive()).slice(1))
    assert.deepEqual(replies, [
      b("MDPW02", [0x03], "client-9", "", "1 of 2"),
      b("MDPW02", [0x03], "client-9", "", "2 of 2", "a", "b"),
      b("MDPW02", [0x04], "client-9", "", "done"),
    ])
    clock.fireAll()
    assert.deepEqual((await fake.receive()).slice(1), b("MDPW02", [0x05]))
    w.close()
    assert.deepEqual((await fake.receive()).slice(1), b("MDPW02", [0x06]))
  })

  it("a client's frames as a raw ROUTER sees them; stream() yields each PARTIAL, then the FINAL", async () => {
    const fake = await fakeBroker()
    const c = client(fake.lastEndpoint!, "0.2")
    const parts = collect(c.stream("news", ["what", "now"]))
    const [id, ...request] = await fake.receive()
    assert.deepEqual(request, b("MDPC02", [0x01], "news", "what", "now"))
    await fake.send([id!, "MDPC02", Uint8Array.of(0x02), "news", "first"])
    await fake.send([id!, "MDPC02", Uint8Array.of(0x02), "news", "second", ""])
    await fake.send([id!, "MDPC02", Uint8Array.of(0x03), "news", "last"])
    assert.deepEqual(await parts, [["first"], ["second", ""], ["last"]])
    // A reply from another service than the one asked is refused.
    const wrong = c.request("news", "again")
    const [id2] = await fake.receive()
    await fake.send([id2!, "MDPC02", Uint8Array.of(0x03), "weather", "sunny"])
    await assert.rejects(wrong, { code: "EPROTO" })
  })

  it("one broker serves both versions at once: a 0.1 peer sees only the FINAL", async () => {
    const at = await broker()
    const handler: MajordomoHandler = async ([word], reply) => {
      await reply.partial(`${String(word)}: working`)
      await reply.partial(`${String(word)}: nearly`)
      return `${String(word)}: done`
    }
    await worker(at, "new", "0.2", handler)
    await worker(at, "old", "0.1", handler)
    const endpoint = at.socket.lastEndpoint!
    const c02 = client(endpoint, "0.2")
    const c01 = client(endpoint, "0.1")
    assert.deepEqual(await collect(c02.stream("new", "a")), [
      ["a: working"],
      ["a: nearly"],
      ["a: done"],
    ])
    assert.deepEqual(await collect(c02.stream("old", "b")), [["b: done"]])
    assert.deepEqual(await collect(c01.stream("new", "c")), [["c: done"]])
    assert.deepEqual(text(await c01.request("old", "d")), ["d: done"])
    assert.deepEqual(text(await c02.request("new", "e")), ["e: done"])
    assert.deepEqual(text(await c02.request("mmi.service", "old")), ["200"])
    assert.deepEqual(text(await c02.request("mmi.service", "gone")), ["404"])
    assert.deepEqual(
      log.ofType("worker-ready").map((e) => [e.service, e.mdp]),
      [
        ["new", "0.2"],
        ["old", "0.1"],
      ],
    )
  })

  it("the broker's frames to a raw 0.2 client: PARTIAL 0x02 and FINAL 0x03, no delimiter", async () => {
    const at = await broker()
    await worker(at, "twice", "0.2", async (body, reply) => {
      await reply.partial(body)
      return body
    })
    const raw = keep(new Dealer({ linger: 0 }))
    raw.connect(at.socket.lastEndpoint!)
    await raw.send(["MDPC02", Uint8Array.of(0x01), "twice", "x"])
    assert.deepEqual(await raw.receive(), b("MDPC02", [0x02], "twice", "x"))
    assert.deepEqual(await raw.receive(), b("MDPC02", [0x03], "twice", "x"))
  })

  it("a worker that changes version, or replies for a client it was not given, is disconnected; garbage is dropped", async () => {
    const at = await broker()
    const raw = keep(new Dealer({ linger: 0 }))
    raw.connect(at.socket.lastEndpoint!)
    const ready = log.next("worker-ready")
    await raw.send(["MDPW02", Uint8Array.of(0x01), "mixed"])
    await ready
    const refused = log.next("worker-disconnected")
    await raw.send(["", "MDPW01", Uint8Array.of(0x04)]) // a 0.1 HEARTBEAT
    assert.match(
      ((await refused) as { reason: string }).reason,
      /MDP\/0\.1 from a worker that said READY in MDP\/0\.2/,
    )
    assert.deepEqual(
      await raw.receive(),
      b("", "MDPW01", [0x05]),
      "DISCONNECT, in the version it spoke",
    )
    assert.equal(at.workers, 0)
    // A FINAL for a client other than the one in hand.
    const again = log.next("worker-ready")
    await raw.send(["MDPW02", Uint8Array.of(0x01), "mixed"])
    await again
    const c = client(at.socket.lastEndpoint!, "0.2")
    void c.request("mixed", "job").catch(() => {}) // closed at the end of the test
    const [, , envelope] = await raw.receive()
    assert.ok(envelope && envelope.byteLength > 0)
    const wrongClient = log.next("worker-disconnected")
    await raw.send(["MDPW02", Uint8Array.of(0x04), "somebody-else", "", "x"])
    assert.equal(((await wrongClient) as { reason: string }).reason, "FINAL without a request")
    const garbage = [
      ["MDPC02"], // no command
      ["MDPC02", Uint8Array.of(0x02), "svc", "x"], // a client sends no PARTIAL
      ["MDPC02", Uint8Array.of(0x01)], // no service
      ["MDPW02", Uint8Array.of(0x07)], // no such command
      ["MDPW02", Uint8Array.of(0x01)], // READY without a service
      ["MDPW02", Uint8Array.of(0x04), "client"], // FINAL without a delimiter
      ["MDPW02", Uint8Array.of(0x02), "c", "", "x"], // a broker's command
      ["MDPX02", "x"],
    ]
    const all = log.next(
      (e) => e.type === "malformed" && log.ofType("malformed").length === garbage.length,
    )
    for (const message of garbage) await raw.send(message)
    await all
    await worker(at, "echo", "0.2", (body) => body)
    assert.deepEqual(text(await client(at.socket.lastEndpoint!, "0.2").request("echo", "ok")), [
      "ok",
    ])
  })

  it("no reply in time: sent again on a fresh socket (a late reply to the first is not taken), then EAGAIN", async () => {
    const clock = new ManualClock()
    const fake = await fakeBroker()
    const c = client(fake.lastEndpoint!, "0.2", clock, 1)
    const reply = c.request("slow", "job")
    const [first] = await fake.receive()
    await clock.untilArmed()
    clock.fireAll()
    const [second, ...request] = await fake.receive()
    assert.notDeepEqual(second, first, "a fresh socket")
    assert.deepEqual(request, b("MDPC02", [0x01], "slow", "job"))
    await fake.send([first!, "MDPC02", Uint8Array.of(0x03), "slow", "late"])
    await fake.send([second!, "MDPC02", Uint8Array.of(0x03), "slow", "fresh"])
    assert.deepEqual(text(await reply), ["fresh"])
    // Nobody answers: after `retries` the request is abandoned.
    const abandoned = c.request("slow", "again")
    await fake.receive()
    for (let i = 0; i < 2; i++) {
      await clock.untilArmed()
      clock.fireAll()
      if (i === 0) await fake.receive()
    }
    await assert.rejects(abandoned, (err) => err instanceof ZmqError && err.code === "EAGAIN")
    assert.deepEqual(
      pirate.events.map((e) => e.type),
      ["retry", "retry", "abandon"],
    )
  })

  it("after a PARTIAL a stream is not sent again (EAGAIN on timeout), but request() starts over", async () => {
    const clock = new ManualClock()
    const fake = await fakeBroker()
    const c = client(fake.lastEndpoint!, "0.2", clock)
    const parts: string[][] = []
    const streamed = (async () => {
      for await (const part of c.stream("feed", "go")) parts.push(text(part))
    })()
    const [id] = await fake.receive()
    await fake.send([id!, "MDPC02", Uint8Array.of(0x02), "feed", "part 1"])
    await clock.untilTimer(2_500) // the wait for the next part, armed once part 1 is in
    clock.fireAll()
    await assert.rejects(streamed, /stopped after 1 part/)
    assert.deepEqual(parts, [["part 1"]])
    assert.deepEqual(
      pirate.events.map((e) => e.type),
      ["abandon"],
    )
    const reply = c.request("feed", "go")
    const [first] = await fake.receive()
    await fake.send([first!, "MDPC02", Uint8Array.of(0x02), "feed", "part 1"])
    await clock.untilTimer(2_500)
    clock.fireAll()
    const [second] = await fake.receive()
    await fake.send([second!, "MDPC02", Uint8Array.of(0x02), "feed", "part 1"])
    await fake.send([second!, "MDPC02", Uint8Array.of(0x03), "feed", "all"])
    assert.deepEqual(text(await reply), ["all"])
  })

  it("breaking out of a stream, or aborting, leaves its socket: the rest of that reply never reaches the next request", async () => {
    const fake = await fakeBroker()
    const c = client(fake.lastEndpoint!, "0.2")
    const stream = c.stream("feed", "go")
    const taken = stream.next()
    const [first] = await fake.receive()
    await fake.send([first!, "MDPC02", Uint8Array.of(0x02), "feed", "part 1"])
    assert.deepEqual(text((await taken).value as Buffer[]), ["part 1"])
    await stream.return()
    const next = c.request("feed", "next")
    const [second] = await fake.receive()
    assert.notDeepEqual(second, first)
    await fake.send([first!, "MDPC02", Uint8Array.of(0x03), "feed", "stale"])
    await fake.send([second!, "MDPC02", Uint8Array.of(0x03), "feed", "mine"])
    assert.deepEqual(text(await next), ["mine"])
    const abort = new AbortController()
    const aborted = c.request("feed", "never", { signal: abort.signal })
    const [third] = await fake.receive()
    abort.abort(new Error("changed my mind"))
    await assert.rejects(aborted, /changed my mind/)
    const after = c.request("feed", "after")
    const [fourth] = await fake.receive()
    assert.notDeepEqual(fourth, third)
    await fake.send([fourth!, "MDPC02", Uint8Array.of(0x03), "feed", "fine"])
    assert.deepEqual(text(await after), ["fine"])
  })

  it("requests run one at a time, in call order", async () => {
    const at = await broker()
    const order: string[] = []
    await worker(at, "log", "0.2", async ([word], reply) => {
      order.push(String(word))
      await reply.partial("seen")
      return word!
    })
    const c = client(at.socket.lastEndpoint!, "0.2")
    const replies = await Promise.all(["a", "b", "c"].map((w) => c.request("log", w)))
    assert.deepEqual(replies.map(text), [["a"], ["b"], ["c"]])
    assert.deepEqual(order, ["a", "b", "c"])
  })

  it("the parsers: RFC 18 frames in, EPROTO for anything else", () => {
    const eproto = (err: unknown) => err instanceof ZmqError && err.code === "EPROTO"
    assert.deepEqual(parseToBroker(b("MDPC02", [1], "echo", "x")), {
      from: "client",
      mdp: "0.2",
      service: "echo",
      body: b("x"),
    })
    assert.deepEqual(parseToBroker(b("MDPW02", [3], "c", "", "p")), {
      from: "worker",
      mdp: "0.2",
      command: "partial",
      client: Buffer.from("c"),
      body: b("p"),
    })
    assert.deepEqual(parseToBroker(b("", "MDPW01", [3], "c", "", "r")), {
      from: "worker",
      mdp: "0.1",
      command: "final",
      client: Buffer.from("c"),
      body: b("r"),
    })
    assert.deepEqual(parseToBroker(b("MDPW02", [5])), {
      from: "worker",
      mdp: "0.2",
      command: "heartbeat",
    })
    const request = parseToWorker(b("MDPW02", [2], "c1", "", "body"), "0.2")
    assert.deepEqual(request.command === "request" && text(request.body), ["body"])
    assert.deepEqual(parseToWorker(b("MDPW02", [6]), "0.2"), { command: "disconnect" })
    assert.deepEqual(parseClientReply02(b("MDPC02", [2], "s", "p"), "s"), {
      final: false,
      body: b("p"),
    })
    assert.throws(() => parseToBroker(b("MDPW02", [6], "extra")), eproto)
    assert.throws(() => parseToBroker(b("", "MDPW02", [5])), eproto) // 0.2 after a delimiter
    assert.throws(() => parseToWorker(b("", "MDPW01", [4]), "0.2"), eproto) // the other version
    assert.throws(() => parseToWorker(b("MDPW02", [4], "c", "", "x"), "0.2"), eproto) // a worker's command
    assert.throws(() => parseClientReply02(b("MDPC02", [1], "s"), "s"), eproto) // a REQUEST
    assert.throws(() => parseClientReply02(b("MDPC01", [3], "s"), "s"), eproto)
  })
})
