// The Clone server and client (RFC 12, CHP) over real tcp sockets. Each role has its own
// ManualClock: a server's HUGZ and ttl timers and a client's silence timer fire only when the
// test moves that clock on. What happens in between is awaited through change events and the
// "omq:patterns:clone" channel, never slept for. Raw servers driven from the test check the
// wire, the guide's quirks and what a client makes of bad or out-of-order messages.
import { strict as assert } from "node:assert"
import { afterEach, beforeEach, describe, it } from "node:test"
import { Dealer, Router, Subscriber, XPublisher, ZmqError } from "omq"
import {
  type CloneChange,
  CloneClient,
  type CloneEvent,
  CloneServer,
  type CloneServerOptions,
} from "../src/mod.js"
import { EventLog } from "./event-log.js"
import { ManualClock } from "./manual-clock.js"

const isCode = (code: string) => (err: unknown) => err instanceof ZmqError && err.code === code
const seq = (n: number | bigint): Buffer => {
  const frame = Buffer.alloc(8)
  frame.writeBigUInt64BE(BigInt(n))
  return frame
}
/** A client's copy as [key, value] strings. */
const copy = (client: CloneClient): string[][] => [...client].map(([k, v]) => [k, String(v)])
/** The next change to `key` in `client`'s copy. */
const nextChange = (client: CloneClient, key: string): Promise<CloneChange> =>
  new Promise((resolve) => {
    const listener = (change: CloneChange): void => {
      if (change.key !== key) return
      client.off("change", listener)
      resolve(change)
    }
    client.on("change", listener)
  })

// A regression that loses a message would wait for ever: fail it instead.
describe("Clone (RFC 12, CHP)", { timeout: 10_000 }, () => {
  const log = new EventLog<CloneEvent>("omq:patterns:clone")
  const closers: Array<{ close(): void }> = []
  const keep = <T extends { close(): void }>(c: T): T => {
    closers.push(c)
    return c
  }
  beforeEach(() => log.start())
  afterEach(() => {
    log.stop()
    for (const c of closers.splice(0).reverse()) c.close()
  })

  const server = async (options: CloneServerOptions = {}) =>
    keep(await CloneServer.bind("tcp://127.0.0.1:0", { clock: new ManualClock(), ...options }))
  const client = (servers: string[], options: { subtree?: string; clock?: ManualClock } = {}) =>
    keep(new CloneClient(servers, { clock: new ManualClock(), ...options }))

  /**
   * A server the test drives: ROUTER on P, XPUB on P + 1 (so the test sees a client's
   * subscription arrive), SUB on P + 2.
   */
  async function rawServer() {
    for (;;) {
      const router = keep(new Router({ linger: 0 }))
      const pub = keep(new XPublisher({ linger: 0 }))
      const collector = keep(new Subscriber({ linger: 0 }))
      collector.subscribe()
      try {
        await router.bind("tcp://127.0.0.1:0")
        const port = Number(router.lastEndpoint!.split(":").pop())
        await pub.bind(`tcp://127.0.0.1:${port + 1}`)
        await collector.bind(`tcp://127.0.0.1:${port + 2}`)
        return { router, pub, collector, endpoint: router.lastEndpoint! }
      } catch (err) {
        if (!isCode("EADDRINUSE")(err)) throw err
      }
    }
  }

  it("a client gets the snapshot, then every update; the server numbers them in order", async () => {
    const srv = await server()
    srv.set("/a/1", "one")
    srv.set("/a/2", "two", { properties: { color: "red" } })
    srv.delete("/a/2")
    srv.set("/b/1", "bee")
    const a = client([srv.endpoint])
    const changes: CloneChange[] = []
    a.on("change", (c) => changes.push(c))
    await a.connect()
    assert.deepEqual(copy(a), [
      ["/a/1", "one"],
      ["/b/1", "bee"],
    ])
    assert.equal(a.sequence, 4n, "current to the server's last update, a delete")
    assert.deepEqual(
      changes.map((c) => [c.key, String(c.value), c.sequence]),
      [
        ["/a/1", "one", 1n],
        ["/b/1", "bee", 4n],
      ],
    )
    const b = client([srv.endpoint])
    await b.connect()
    const seen = nextChange(a, "/c/1")
    await b.set("/c/1", "sea", { properties: { by: "b" } })
    assert.equal(String(b.get("/c/1")), "sea", "set() resolves once the server published it back")
    const change = await seen
    assert.deepEqual(
      [String(change.value), change.sequence, change.properties],
      ["sea", 5n, { by: "b" }],
    )
    assert.equal(String(srv.get("/c/1")?.value), "sea")
    assert.equal(srv.sequence, 5n)
    const served = log.ofType("snapshot").filter((e) => e.side === "server")
    assert.deepEqual(
      served.map((e) => [e.subtree, e.entries, e.sequence]),
      [
        ["", 2, 4n],
        ["", 2, 4n],
      ],
    )
  })

  it("a subtree client sees only its keys, in the snapshot and after; its other sets still reach the server", async () => {
    const srv = await server()
    srv.set("/a/1", "one")
    srv.set("/b/1", "bee")
    const a = client([srv.endpoint], { subtree: "/a/" })
    const all = client([srv.endpoint])
    await Promise.all([a.connect(), all.connect()])
    assert.deepEqual(copy(a), [["/a/1", "one"]])
    const outside = nextChange(all, "/b/2")
    await a.set("/b/2", "not mine") // resolves once sent: it will never come back to `a`
    await outside
    await all.set("/a/2", "two")
    await all.set("/b/3", "three")
    await a.set("/a/3", "mine") // published after /a/2 and /b/3: those are in by now
    assert.deepEqual(copy(a), [
      ["/a/1", "one"],
      ["/a/2", "two"],
      ["/a/3", "mine"],
    ])
    assert.equal(String(srv.get("/b/2")?.value), "not mine")
    assert.equal(a.sequence, 6n, "last seen: its own set, the sixth update")
  })

  it("delete() removes a key everywhere; the snapshot after it lacks the key", async () => {
    const srv = await server()
    srv.set("/k", "v")
    const a = client([srv.endpoint])
    const b = client([srv.endpoint])
    await Promise.all([a.connect(), b.connect()])
    const gone = nextChange(b, "/k")
    await a.delete("/k")
    assert.equal(a.has("/k"), false)
    assert.deepEqual(await gone, { key: "/k", value: null, sequence: 2n, properties: {} })
    assert.equal(srv.get("/k"), undefined)
    const late = client([srv.endpoint])
    await late.connect()
    assert.deepEqual(copy(late), [])
    assert.equal(late.sequence, 2n)
  })

  it("a ttl makes the server delete the key when it runs out, publishing the delete; an update in time cancels it", async () => {
    const clock = new ManualClock()
    const srv = await server({ clock })
    const a = client([srv.endpoint])
    await a.connect()
    await a.set("/session/x", "short", { ttl: 2, properties: { owner: "a" } })
    await a.set("/session/y", "renewed", { ttl: 2 })
    clock.advance(1_000)
    await a.set("/session/y", "for good")
    // Properties persist with the key: a later snapshot carries them.
    const late = client([srv.endpoint])
    await late.connect()
    assert.deepEqual(late.entry("/session/x")?.properties, { owner: "a", ttl: "2" })
    const expired = nextChange(a, "/session/x")
    clock.advance(1_000)
    assert.deepEqual(await expired, {
      key: "/session/x",
      value: null,
      sequence: 4n,
      properties: {},
    })
    clock.advance(10_000)
    assert.deepEqual(
      log.ofType("expired").map((e) => [e.key, e.sequence]),
      [["/session/x", 4n]],
    )
    assert.deepEqual(copy(a), [["/session/y", "for good"]])
    assert.equal(srv.size, 1)
  })

  it("HUGZ keep a client on a quiet server; silence for `timeout` fails it over to the next server", async () => {
    const clockA = new ManualClock()
    const a = await server({ clock: clockA })
    const b = await server()
    a.set("/only-on-a", "1")
    b.set("/only-on-b", "2")
    const clock = new ManualClock()
    const c = client([a.endpoint, b.endpoint], { clock })
    await c.connect()
    assert.equal(c.server, a.endpoint)
    // Once its set is back, nothing from connecting is still on its way to re-arm the timer.
    await c.set("/x", "on a")
    for (let i = 0; i < 3; i++) {
      const heard = clock.untilTimer(5_000) // the silence timer, armed again by a HUGZ
      clockA.advance(1_000)
      await heard
      clock.advance(4_000)
    }
    assert.deepEqual(log.ofType("failover"), [], "12 s in, alive on HUGZ alone")
    const changes: CloneChange[] = []
    c.on("change", (change) => changes.push(change))
    const synced = log.next((e) => e.type === "snapshot" && e.side === "client")
    clock.advance(5_000)
    assert.deepEqual(log.ofType("failover"), [
      { type: "failover", from: a.endpoint, to: b.endpoint },
    ])
    await synced
    assert.equal(c.server, b.endpoint)
    assert.deepEqual(copy(c), [["/only-on-b", "2"]], "the copy is b's snapshot")
    assert.deepEqual(
      changes.map((ch) => [ch.key, ch.value && String(ch.value)]),
      [
        ["/only-on-a", null],
        ["/x", null],
        ["/only-on-b", "2"],
      ],
    )
    // b's numbers now: an update there is applied although a had reached 1 too.
    const seen = nextChange(c, "/after")
    b.set("/after", "x")
    assert.equal((await seen).sequence, 2n)
  })

  it("a dropped connection fails over at once, and a set the old server did not publish back goes to the new one", async () => {
    const a = await server()
    const b = await server()
    const c = client([a.endpoint, b.endpoint])
    await c.connect()
    await c.set("/first", "1") // a's collector is listening: the next set goes straight to a
    a.close()
    const failedOver = log.next("failover")
    const set = c.set("/k", "v") // sent to a before the client knows it is gone: lost with it
    assert.deepEqual(await failedOver, { type: "failover", from: a.endpoint, to: b.endpoint })
    await set
    assert.equal(String(b.get("/k")?.value), "v")
    assert.deepEqual(copy(c), [["/k", "v"]], "b's snapshot, then the set")
    assert.equal(c.server, b.endpoint)
  })

  it("against a raw server: updates during the snapshot wait; stale, duplicate and out-of-order ones are discarded; the guide's HUGZ and KTHXBAI quirks are accepted", async () => {
    const raw = await rawServer()
    const c = client([raw.endpoint])
    const connected = c.connect()
    const [subscription] = await raw.pub.receive()
    assert.deepEqual([...subscription!], [1], "the client subscribes to everything first")
    const [id, command, subtree] = await raw.router.receive()
    assert.deepEqual([String(command), String(subtree)], ["ICANHAZ?", ""])
    const kv = (key: string, n: number, value: string) => [key, seq(n), "", "", value]
    await raw.pub.send(kv("/old", 5, "stale")) // older than the snapshot: discarded
    await raw.pub.send(kv("/new", 7, "held")) // newer: applied after KTHXBAI
    // RFC KVSYNC (empty uuid and properties, sequence 0) and the guide's KTHXBAI (empty subtree).
    await raw.router.send([id!, ...kv("/snap", 0, "s")])
    await raw.router.send([id!, "KTHXBAI", seq(6), "", "", ""])
    await connected
    // The guide's HUGZ carry the server's sequence: it must not count as the last seen.
    await raw.pub.send(["HUGZ", seq(1_000), "", "", ""])
    await raw.pub.send(kv("/new", 7, "duplicate"))
    await raw.pub.send(kv("/out-of-order", 6, "x"))
    await raw.pub.send(["/bad", seq(9), "", ""]) // four frames: malformed
    const last = nextChange(c, "/last")
    await raw.pub.send(kv("/last", 8, "applied"))
    await last
    assert.deepEqual(copy(c), [
      ["/snap", "s"],
      ["/new", "held"],
      ["/last", "applied"],
    ])
    assert.deepEqual(
      log.ofType("discarded").map((e) => [e.key, e.sequence, e.last]),
      [
        ["/old", 5n, 6n],
        ["/new", 7n, 7n],
        ["/out-of-order", 6n, 7n],
      ],
    )
    assert.deepEqual(
      log.ofType("malformed").map((e) => [e.side, e.socket, e.reason]),
      [["client", "publisher", "malformed CHP message: 4 frames, not 5"]],
    )
    assert.equal(c.sequence, 8n)
    // A set is a KVSET to the collector, with a fresh 16-byte uuid; it is done when published back.
    const setting = c.set("/mine", "v", { ttl: 1.5 })
    const [key, sequence, uuid, properties, value] = await raw.collector.receive()
    assert.deepEqual(
      [String(key), sequence!.readBigUInt64BE(), uuid!.length, String(properties), String(value)],
      ["/mine", 0n, 16, "ttl=1.5\n", "v"],
    )
    await raw.pub.send([key!, seq(9), uuid!, properties!, value!])
    await setting
    assert.deepEqual(c.entry("/mine")?.properties, { ttl: "1.5" })
  })

  it("on the wire: KVSYNC carries uuid and properties, KTHXBAI the subtree; a subtree-less ICANHAZ gets all; HUGZ when idle", async () => {
    const clock = new ManualClock()
    const srv = await server({ clock, hugzInterval: 250 })
    srv.set("/a/x", "1", { properties: { p: "q" } })
    srv.set("/b/y", "2")
    const dealer = keep(new Dealer({ linger: 0 }))
    dealer.connect(srv.endpoint)
    await dealer.send(["ICANHAZ?", "/a/"])
    const [key, sequence, uuid, properties, value] = await dealer.receive()
    assert.deepEqual([String(key), sequence!.readBigUInt64BE(), uuid!.length], ["/a/x", 1n, 16])
    assert.deepEqual([String(properties), String(value)], ["p=q\n", "1"])
    const end = await dealer.receive()
    assert.deepEqual(
      [String(end[0]), end[1]!.readBigUInt64BE(), end[2]!.length, end[3]!.length, String(end[4])],
      ["KTHXBAI", 2n, 0, 0, "/a/"],
    )
    // clonecli3's ICANHAZ has no subtree frame: the whole map.
    await dealer.send("ICANHAZ?")
    const keys: string[] = []
    for (;;) {
      const [k] = await dealer.receive()
      if (String(k) === "KTHXBAI") break
      keys.push(String(k))
    }
    assert.deepEqual(keys, ["/a/x", "/b/y"])
    const sub = keep(new Subscriber({ linger: 0 }))
    sub.subscribe("HUGZ")
    sub.connect(`tcp://127.0.0.1:${srv.port + 1}`)
    // A SUB cannot tell when its subscription has landed: one HUGZ per idle interval until one
    // arrives (each turn lets the sockets run).
    let hugz: Buffer[] | null = null
    void sub.receive().then((m) => (hugz = m))
    while (hugz === null) {
      clock.advance(250)
      await new Promise((r) => setImmediate(r))
    }
    const frames = hugz as Buffer[]
    assert.deepEqual(
      frames.map((f) => f.length),
      [4, 8, 0, 0, 0],
    )
    assert.equal(frames[1]!.readBigUInt64BE(), 0n, "the RFC's HUGZ: sequence 0")
  })

  it("the server drops malformed messages, publishes them, and goes on serving", async () => {
    const srv = await server()
    const pub = keep(new XPublisher({ linger: 0 }))
    pub.connect(`tcp://127.0.0.1:${srv.port + 2}`)
    await pub.receive() // the collector's subscription
    const bad: Array<Array<string | Buffer>> = [
      ["/k", seq(0), "", ""],
      ["/k", Buffer.alloc(4), "", "", "v"],
      ["/k", seq(0), "short-uuid", "", "v"],
      ["", seq(0), "", "", "v"],
      ["/k", seq(0), "", "ttl=soon\n", "v"],
      ["/k", seq(0), "", "no-equals\n", "v"],
      ["HUGZ", seq(0), "", "", "v"],
    ]
    for (const frames of bad) await pub.send(frames)
    const applied = log.next((e) => e.type === "update" && e.side === "server")
    await pub.send(["/k", seq(0), "", "ttl=1.5\n", "v"])
    await applied
    assert.deepEqual(
      log.ofType("malformed").map((e) => e.reason.replace("malformed CHP message: ", "")),
      [
        "4 frames, not 5",
        "a 4-byte sequence number",
        "a 10-byte uuid",
        "empty key",
        'ttl "soon" is not seconds',
        'property line "no-equals" has no name=',
        '"HUGZ" is a command, not a key',
      ],
    )
    assert.equal(String(srv.get("/k")?.value), "v")
    const dealer = keep(new Dealer({ linger: 0 }))
    dealer.connect(srv.endpoint)
    await dealer.send(["GIMME", ""])
    await dealer.send(["ICANHAZ?", "", "extra"])
    await dealer.send(["ICANHAZ?", "/"])
    const [key] = await dealer.receive()
    assert.equal(String(key), "/k")
    assert.deepEqual(
      log
        .ofType("malformed")
        .slice(7)
        .map((e) => e.socket),
      ["snapshot", "snapshot"],
    )
  })

  it("invalid arguments: TypeError for the wrong type, EINVAL for a bad value, EBADF once closed", async () => {
    assert.throws(() => new CloneClient([]), TypeError)
    assert.throws(() => new CloneClient("tcp://127.0.0.1:5556" as never), TypeError)
    assert.throws(() => new CloneClient(["udp://127.0.0.1:5556"]), isCode("EINVAL"))
    assert.throws(() => new CloneClient(["tcp://127.0.0.1:65534"]), isCode("EINVAL"))
    assert.throws(() => new CloneClient([{ host: "h", port: 0 }]), isCode("EINVAL"))
    assert.throws(() => new CloneClient([{ host: 5, port: 1 } as never]), TypeError)
    assert.throws(() => new CloneClient(["tcp://h:1"], { timeout: 0 }), isCode("EINVAL"))
    assert.throws(() => new CloneClient(["tcp://h:1"], { subtree: 1 as never }), TypeError)
    await assert.rejects(CloneServer.bind("localhost:5556"), isCode("EINVAL"))
    await assert.rejects(CloneServer.bind(0, { hugzInterval: 0.5 }), isCode("EINVAL"))
    const c = client(["tcp://127.0.0.1:1"])
    await assert.rejects(c.set("", "v"), isCode("EINVAL"))
    await assert.rejects(c.set("KTHXBAI", "v"), isCode("EINVAL"))
    await assert.rejects(c.set(5 as never, "v"), TypeError)
    await assert.rejects(c.set("/k", 5 as never), TypeError)
    await assert.rejects(c.set("/k", "v", { ttl: -1 }), isCode("EINVAL"))
    await assert.rejects(c.set("/k", "v", { ttl: "1" as never }), TypeError)
    await assert.rejects(c.set("/k", "v", { properties: { "a=b": "c" } }), isCode("EINVAL"))
    await assert.rejects(c.set("/k", "v", { properties: { a: "line\nbreak" } }), isCode("EINVAL"))
    const waiting = c.set("/k", "v") // valid: waits for a snapshot that never comes
    const connecting = c.connect()
    c.close()
    await assert.rejects(waiting, isCode("EBADF"))
    await assert.rejects(connecting, isCode("EBADF"))
    await assert.rejects(c.connect(), isCode("EBADF"))
    await assert.rejects(c.set("/k", "v"), isCode("EBADF"))
    const srv = await server()
    srv.close()
    assert.throws(() => srv.set("/k", "v"), isCode("EBADF"))
  })

  it("connect() with a signal rejects with its reason when aborted; with one server gone quiet it is asked again", async () => {
    const raw = await rawServer() // never answers ICANHAZ
    const clock = new ManualClock()
    const c = client([raw.endpoint], { clock })
    const controller = new AbortController()
    const connecting = c.connect({ signal: controller.signal })
    await raw.router.receive()
    const failover = log.next("failover")
    clock.advance(5_000)
    assert.deepEqual(await failover, { type: "failover", from: raw.endpoint, to: raw.endpoint })
    const [, again] = await raw.router.receive()
    assert.equal(String(again), "ICANHAZ?", "a fresh session asks again")
    controller.abort(new Error("gave up"))
    await assert.rejects(connecting, /gave up/)
  })
})
