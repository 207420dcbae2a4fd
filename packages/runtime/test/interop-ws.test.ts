// ws:// interop with libzmq: 4.3.5 (the `zeromq` package) for PUSH/PULL, REQ/REP, PUB/SUB,
// DEALER/ROUTER and heartbeats, and Debian's 4.3.4 (python3-zmq, run as a child process) for
// PUSH/PULL and REQ/REP; each with either side binding, under in-thread IO and an IO worker
// thread. Idle periods in the heartbeat tests are the behaviour under test (nothing may happen
// during them), so they are timed waits; everything else waits for messages or events.
import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { afterEach, describe, it } from "node:test"
import { setTimeout as delay } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import {
  type Context,
  Dealer,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Subscriber,
  XPublisher,
} from "omq"
import * as zmq from "zeromq"
import {
  assertFrames,
  forEachIoThreads,
  pattern,
  type Receiver,
  receiveSequence,
  retryWhile,
  type Sender,
  SHAPES,
  Sockets,
  sendSequence,
} from "./helpers/interop.js"
import { type AnySocket, nextEventOf, pairOf } from "./helpers/security.js"
import { text } from "./helpers/spec.js"
import { OP, RawWsServer, zwsReady } from "./helpers/ws-raw-peer.js"

type Lib = "omq" | "zmq"
const LIBS = ["omq", "zmq"] as const

/**
 * Where omq binds: a path of two segments, because libzmq's client sends only the last one
 * (`GET /ws`), which an omq server bound to a path serves too. libzmq itself binds only paths
 * of one segment (EINVAL otherwise).
 */
const BIND = "ws://127.0.0.1:*/interop/ws"
const ZMQ_BIND = "ws://127.0.0.1:*/ws"

const STREAM_COUNT = 3000

/** Frames whose ws payloads (body + flags byte) sit on each side of ws's length encodings. */
const WS_LENGTHS = {
  name: "frames at ws's 7/16/64-bit length boundaries (payloads 125/126, 65535/65536) arrive intact",
  frames: () => [124, 125, 126, 65_534, 65_535, 65_536].map((n, i) => pattern(n, 10 + i)),
}

type Binder = { bind(ep: string): Promise<void>; readonly lastEndpoint: string | null }
type Connector = { connect(ep: string): void }

/** The resolved endpoint of a socket just bound to a ws:// address. */
function wsEndpoint(socket: { readonly lastEndpoint: string | null }): string {
  const endpoint = socket.lastEndpoint
  assert.ok(endpoint !== null, "lastEndpoint is set after bind")
  assert.match(endpoint, /^ws:\/\/127\.0\.0\.1:[1-9]\d*\/[^*]*$/)
  return endpoint
}

/** Binds `binder` (either library) where it can bind, and connects `connector` to it. */
async function wire(binder: Binder, connector: Connector): Promise<void> {
  await binder.bind(binder instanceof zmq.Socket ? ZMQ_BIND : BIND)
  connector.connect(wsEndpoint(binder))
}

forEachIoThreads("interop over ws: PUSH/PULL", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }
  const zopts = { linger: 0, reconnectInterval: 20 }

  it("omq's lastEndpoint keeps the path; a libzmq client (sending only /ws) reaches it", async () => {
    const pull = sockets.add(new Pull(opts))
    await pull.bind(BIND)
    const endpoint = wsEndpoint(pull)
    assert.match(endpoint, /\/interop\/ws$/)
    const push = sockets.add(new zmq.Push(zopts))
    push.connect(endpoint)
    await push.send("through")
    assert.deepEqual(text(await pull.receive()), ["through"])
  })

  /** A connected pusher/puller pair: `from` owns the PUSH, `binder` binds, the other connects. */
  async function pushPull(from: Lib, binder: Lib): Promise<{ sender: Sender; receiver: Receiver }> {
    const push = sockets.add(from === "omq" ? new Push(opts) : new zmq.Push(zopts))
    const pull = sockets.add(from === "omq" ? new zmq.Pull(zopts) : new Pull(opts))
    if (binder === from) await wire(push, pull)
    else await wire(pull, push)
    return { sender: push, receiver: pull }
  }

  for (const from of LIBS) {
    const to: Lib = from === "omq" ? "zmq" : "omq"
    for (const binder of LIBS) {
      describe(`${from} Push → ${to} Pull, ${binder} binds`, () => {
        for (const shape of [...SHAPES, WS_LENGTHS]) {
          it(shape.name, async () => {
            const { sender, receiver } = await pushPull(from, binder)
            const frames = shape.frames()
            // A copy goes out: libzmq's ws engine masks a client's frames in place, and
            // zeromq.js lends it large Buffers without a copy, so they come back scrambled.
            await sender.send(shape.frames())
            // A second message right behind shows the message boundaries were kept.
            await sender.send([Buffer.from("next")])
            assertFrames(await receiver.receive(), frames, shape.name)
            assertFrames(await receiver.receive(), [Buffer.from("next")], "follow-up")
          })
        }

        it(`${STREAM_COUNT} messages arrive complete and in order`, async () => {
          const { sender, receiver } = await pushPull(from, binder)
          await Promise.all([
            sendSequence(sender, STREAM_COUNT, "ws"),
            receiveSequence(receiver, STREAM_COUNT, "ws"),
          ])
        })
      })
    }
  }
})

forEachIoThreads("interop over ws: REQ/REP and DEALER/ROUTER", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }
  const zopts = { linger: 0, reconnectInterval: 20 }

  for (const binder of LIBS) {
    it(`omq REQ ↔ zmq REP (${binder} binds): several round trips`, async () => {
      const req = sockets.add(new Request(opts))
      const rep = sockets.add(new zmq.Reply(zopts))
      if (binder === "omq") await wire(req, rep)
      else await wire(rep, req)
      for (let i = 0; i < 5; i++) {
        await req.send(["ask", `${i}`])
        assert.deepEqual(text(await rep.receive()), ["ask", `${i}`])
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

    it(`omq DEALER ↔ zmq ROUTER (${binder} binds): the DEALER's routing id prefixed and used`, async () => {
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

    it(`zmq DEALER ↔ omq ROUTER (${binder} binds): the DEALER's routing id prefixed and used`, async () => {
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

    it(`zmq REQ → omq ROUTER (${binder} binds): a generated 5-byte id routes the reply`, async () => {
      const req = sockets.add(new zmq.Request(zopts))
      const router = sockets.add(new Router(opts))
      if (binder === "omq") await wire(router, req)
      else await wire(req, router)
      await req.send("ping")
      const [id, delimiter, body] = await router.receive()
      assert.equal(id!.length, 5, "generated ids are 5 bytes")
      assert.equal(id![0], 0)
      assert.equal(delimiter!.length, 0)
      assert.equal(body!.toString(), "ping")
      await router.send([id!, "", "pong"])
      assert.deepEqual(text(await req.receive()), ["pong"])
    })

    it(`omq ROUTER ↔ zmq ROUTER (${binder} binds): ids on both sides`, async () => {
      const or = sockets.add(new Router({ ...opts, routingId: "or", mandatory: true }))
      const zr = sockets.add(new zmq.Router({ ...zopts, routingId: "zr", mandatory: true }))
      if (binder === "omq") {
        await or.bind(BIND)
        zr.connect(wsEndpoint(or), { routingId: "or" })
        // Until the handshake completes the peer's id is unknown: retry until it routes.
        await retryWhile("EHOSTUNREACH", () => zr.send(["or", "hi"]))
        assert.deepEqual(text(await or.receive()), ["zr", "hi"])
        await or.send(["zr", "back"])
        assert.deepEqual(text(await zr.receive()), ["or", "back"])
      } else {
        await zr.bind(ZMQ_BIND)
        or.connect(wsEndpoint(zr), { routingId: "zr" })
        await retryWhile("EHOSTUNREACH", () => or.send(["zr", "hi"]))
        assert.deepEqual(text(await zr.receive()), ["or", "hi"])
        await zr.send(["or", "back"])
        assert.deepEqual(text(await or.receive()), ["zr", "back"])
      }
    })
  }
})

const sub = (topic: string): string => `\u0001${topic}`
const unsub = (topic: string): string => `\u0000${topic}`

/**
 * Publishes `[probeTopic]` until the subscriber gets one (a subscription needs a trip to the
 * publisher to land), then drains the probes still in flight.
 */
async function publishUntilReceived(
  pub: { send(m: string[]): Promise<void> },
  subscriber: { receive(): Promise<Buffer[]>; receiveTimeout: number },
  probeTopic: string,
): Promise<void> {
  const saved = subscriber.receiveTimeout
  subscriber.receiveTimeout = 20
  try {
    for (;;) {
      await pub.send([probeTopic])
      try {
        assert.deepEqual(text(await subscriber.receive()), [probeTopic])
        break
      } catch (err) {
        assert.equal((err as { code: string }).code, "EAGAIN")
      }
    }
    for (;;) {
      try {
        assert.deepEqual(text(await subscriber.receive()), [probeTopic])
      } catch (err) {
        assert.equal((err as { code: string }).code, "EAGAIN")
        break
      }
    }
  } finally {
    subscriber.receiveTimeout = saved
  }
}

// Over ws, libzmq's engine drops SUBSCRIBE/CANCEL commands: subscriptions travel as the data
// frames 0x01topic / 0x00topic, whichever way they go. A publisher that got them wrong would
// send nothing (these tests then time out), an XPUB would read something else.
forEachIoThreads("interop over ws: PUB/SUB", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }
  const zopts = { linger: 0, reconnectInterval: 20 }

  for (const binder of LIBS) {
    it(`zmq SUB → omq XPUB (${binder} binds): subscribe and unsubscribe arrive, filtering works`, async () => {
      const xpub = sockets.add(new XPublisher(opts))
      const zsub = sockets.add(new zmq.Subscriber(zopts))
      if (binder === "omq") await wire(xpub, zsub)
      else await wire(zsub, xpub)
      zsub.subscribe("weather")
      // A zeromq.js socket runs libzmq's internal commands (attaching the pipe that carries the
      // subscription) only while a call is pending on it.
      const received = zsub.receive()
      assert.deepEqual(text(await xpub.receive()), [sub("weather")])
      await xpub.send(["sports", "skipped"])
      await xpub.send(["weather", "sunny"])
      assert.deepEqual(text(await received), ["weather", "sunny"])
      zsub.unsubscribe("weather")
      assert.deepEqual(text(await xpub.receive()), [unsub("weather")])
    })

    it(`omq SUB → zmq XPUB (${binder} binds): subscribe and unsubscribe reach libzmq`, async () => {
      const zxpub = sockets.add(new zmq.XPublisher(zopts))
      const osub = sockets.add(new Subscriber(opts))
      if (binder === "omq") await wire(osub, zxpub)
      else await wire(zxpub, osub)
      osub.subscribe("a.")
      assert.deepEqual(text(await zxpub.receive()), [sub("a.")])
      await zxpub.send(["b.1", "filtered"])
      await zxpub.send(["a.1", "kept"])
      assert.deepEqual(text(await osub.receive()), ["a.1", "kept"])
      osub.unsubscribe("a.")
      assert.deepEqual(text(await zxpub.receive()), [unsub("a.")])
    })

    it(`omq PUB → zmq SUB (${binder} binds): only subscribed topics arrive, until unsubscribed`, async () => {
      const opub = sockets.add(new Publisher(opts))
      const zsub = sockets.add(new zmq.Subscriber(zopts))
      if (binder === "omq") await wire(opub, zsub)
      else await wire(zsub, opub)
      zsub.subscribe("t")
      zsub.subscribe("u")
      await publishUntilReceived(opub, zsub, "u-probe")
      await opub.send(["x", "filtered"])
      await opub.send(["t1", "kept"])
      assert.deepEqual(text(await zsub.receive()), ["t1", "kept"])
      zsub.unsubscribe("t")
      await opub.send(["t2", "unsubscribed"])
      await opub.send(["u1", "kept"])
      assert.deepEqual(text(await zsub.receive()), ["u1", "kept"])
    })

    it(`zmq PUB → omq SUB (${binder} binds): only subscribed topics arrive, until unsubscribed`, async () => {
      const zpub = sockets.add(new zmq.Publisher(zopts))
      const osub = sockets.add(new Subscriber(opts))
      if (binder === "omq") await wire(osub, zpub)
      else await wire(zpub, osub)
      osub.subscribe("t", "u")
      await publishUntilReceived(zpub, osub, "u-probe")
      await zpub.send(["x", "filtered"])
      await zpub.send(["t1", "kept"])
      assert.deepEqual(text(await osub.receive()), ["t1", "kept"])
      osub.unsubscribe("t")
      await zpub.send(["t2", "unsubscribed"])
      await zpub.send(["u1", "kept"])
      assert.deepEqual(text(await osub.receive()), ["u1", "kept"])
    })
  }
})

// Timeouts of several intervals: a busy 2-core machine can stall an event loop for 100 ms.
const PINGS = { heartbeatInterval: 30, heartbeatTimeout: 300, heartbeatTimeToLive: 600 }
/** Idle time in which a missing answer to a ping would have dropped the connection. */
const IDLE_MS = 900

forEachIoThreads("interop over ws: heartbeats", (ctx: Context) => {
  const sockets = new Sockets()
  const servers: RawWsServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
    await sockets.closeAll()
  })
  const pair = (lib: Lib, options: Record<string, unknown>): AnySocket =>
    sockets.add(pairOf(lib, ctx, options))

  /** Binds `a`, connects `b`, waits until `a` has shaken hands; collects disconnects of both. */
  async function connected(a: AnySocket, b: AnySocket): Promise<string[]> {
    const dropped: string[] = []
    for (const s of [a, b]) s.events.on("disconnect", (e) => dropped.push(e.type))
    const up = nextEventOf(a, "handshake")
    await wire(a, b)
    await up
    return dropped
  }

  for (const binder of LIBS) {
    it(`omq pings a live libzmq peer (${binder} binds): it answers, nobody disconnects`, async () => {
      const omq = pair("omq", PINGS)
      const peer = pair("zmq", {})
      const dropped = binder === "omq" ? await connected(omq, peer) : await connected(peer, omq)
      await delay(IDLE_MS) // three heartbeat timeouts: unanswered pings would drop libzmq
      await peer.send("still there")
      assert.deepEqual(text(await omq.receive()), ["still there"])
      await omq.send("and here")
      assert.deepEqual(text(await peer.receive()), ["and here"])
      assert.deepEqual(dropped, [])
    })

    // libzmq aborts the whole process at its first heartbeat on a connection whose server chose
    // bare ZWS2.0 (assertion `_mechanism != NULL`): this file would crash, not fail quietly.
    it(`libzmq pings omq (${binder} binds): ZWS2.0/NULL was chosen and omq answers`, async () => {
      const peer = pair("zmq", PINGS)
      const omq = pair("omq", {})
      const dropped = binder === "omq" ? await connected(omq, peer) : await connected(peer, omq)
      await delay(IDLE_MS)
      await omq.send("still there")
      assert.deepEqual(text(await peer.receive()), ["still there"])
      await peer.send("and here")
      assert.deepEqual(text(await omq.receive()), ["and here"])
      assert.deepEqual(dropped, [])
    })
  }

  it("a peer that never answers pings is dropped within a few intervals, and dialled again", async () => {
    // Completes the upgrade and the NULL handshake, then stays silent.
    const server = await RawWsServer.listen((conn) => {
      conn.accept("ZWS2.0/NULL")
      conn.sendZws(zwsReady("PAIR"))
    })
    servers.push(server)
    const omq = pair("omq", { heartbeatInterval: 50, heartbeatTimeout: 200 })
    const up = nextEventOf(omq, "handshake")
    const dropped = nextEventOf(omq, "disconnect")
    omq.connect(server.endpoint())
    await up
    const started = Date.now()
    await dropped
    const took = Date.now() - started
    assert.ok(took < 2000, `dropped after ${took} ms`)
    const first = await server.nth(0)
    assert.ok(first.count(OP.ping) >= 2, `${first.count(OP.ping)} WebSocket pings before the drop`)
    // Heartbeats over ws are WebSocket pings only: no ZMTP PING command follows the READY.
    const binary = first.frames.seen.filter((f) => f.opcode === OP.binary)
    assert.equal(binary.length, 1, "only the READY went out as a message")
    await server.nth(1) // a heartbeat timeout is no protocol error: the connecter dials again
  })

  it("omq answers a WebSocket ping with a pong carrying its payload", async () => {
    const server = await RawWsServer.listen((conn) => {
      conn.accept("ZWS2.0/NULL")
      conn.sendZws(zwsReady("PAIR"))
      conn.send(OP.ping, Buffer.from("are you there"))
    })
    servers.push(server)
    const omq = pair("omq", {})
    omq.connect(server.endpoint())
    const conn = await server.nth(0)
    const pong = await conn.frames.first((f) => f.opcode === OP.pong)
    assert.equal(pong.payload.toString(), "are you there")
    assert.ok(pong.masked, "a client's frames are masked")
  })
})

/** The compiled test runs from dist/test; the script stays in test/fixtures. */
const PY_SCRIPT = fileURLToPath(new URL("../../test/fixtures/pyzmq-ws.py", import.meta.url))

/** A python3-zmq peer (see the script): its output lines, its exit status. */
class PythonPeer {
  readonly #proc: ChildProcess
  readonly #lines: string[] = []
  readonly #waiting: Array<{ re: RegExp; resolve: (line: string) => void }> = []
  readonly exited: Promise<number | null>

  constructor(args: string[]) {
    this.#proc = spawn("/usr/bin/python3", [PY_SCRIPT, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    })
    createInterface({ input: this.#proc.stdout! }).on("line", (line) => {
      this.#lines.push(line)
      for (const w of this.#waiting.filter((w) => w.re.test(line))) {
        this.#waiting.splice(this.#waiting.indexOf(w), 1)
        w.resolve(line)
      }
    })
    this.exited = new Promise((resolve) => this.#proc.once("exit", (code) => resolve(code)))
  }

  /** The first line matching `re` (fails the test if the peer exits without printing one). */
  line(re: RegExp): Promise<string> {
    const hit = this.#lines.find((l) => re.test(l))
    if (hit !== undefined) return Promise.resolve(hit)
    return new Promise((resolve, reject) => {
      this.#waiting.push({ re, resolve })
      void this.exited.then((code) =>
        reject(new Error(`python exited (${code}) before ${re}: ${this.#lines.join(" / ")}`)),
      )
    })
  }

  kill(): void {
    if (this.#proc.exitCode === null) this.#proc.kill("SIGKILL")
  }
}

forEachIoThreads("interop over ws with python3-zmq (libzmq 4.3.4)", (ctx: Context) => {
  const sockets = new Sockets()
  const peers: PythonPeer[] = []
  afterEach(async () => {
    for (const p of peers.splice(0)) p.kill()
    await sockets.closeAll()
  })
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }
  const python = (...args: string[]): PythonPeer => {
    const peer = new PythonPeer(args)
    peers.push(peer)
    return peer
  }
  const COUNT = 500

  it("omq PUSH connects to a libzmq 4.3.4 PULL: messages arrive in order", async () => {
    const peer = python("pull-bind", `${COUNT}`)
    const endpoint = (await peer.line(/^endpoint /)).split(" ")[1]!
    assert.match(endpoint, /^ws:\/\/127\.0\.0\.1:\d+\/py$/)
    const push = sockets.add(new Push(opts))
    push.connect(endpoint)
    for (let i = 0; i < COUNT; i++) await push.send([`${i}`, `py:${i}`])
    assert.equal(await peer.line(/^received /), `received ${COUNT}`)
    assert.equal(await peer.exited, 0)
  })

  it("a libzmq 4.3.4 PUSH connects to an omq PULL: messages arrive in order", async () => {
    const pull = sockets.add(new Pull(opts))
    await pull.bind(BIND)
    const peer = python("push-connect", wsEndpoint(pull), `${COUNT}`)
    for (let i = 0; i < COUNT; i++) {
      assert.deepEqual(text(await pull.receive()), [`${i}`, `py:${i}`], `message ${i}`)
    }
    assert.equal(await peer.line(/^sent /), `sent ${COUNT}`)
    assert.equal(await peer.exited, 0)
  })

  it("omq REQ connects to a libzmq 4.3.4 REP: round trips", async () => {
    const peer = python("rep-bind", "3")
    const endpoint = (await peer.line(/^endpoint /)).split(" ")[1]!
    const req = sockets.add(new Request(opts))
    req.connect(endpoint)
    for (let i = 0; i < 3; i++) {
      await req.send([`q${i}`, "tail"])
      assert.deepEqual(text(await req.receive()), [`re:q${i}`, "tail"])
    }
    assert.equal(await peer.line(/^served /), "served 3")
    assert.equal(await peer.exited, 0)
  })

  it("a libzmq 4.3.4 REQ connects to an omq REP: round trips", async () => {
    const rep = sockets.add(new Reply(opts))
    await rep.bind(BIND)
    const peer = python("req-connect", wsEndpoint(rep), "3")
    for (let i = 0; i < 3; i++) {
      const [first, ...rest] = await rep.receive()
      assert.deepEqual(text([first!, ...rest]), [`q${i}`, "tail"])
      await rep.send([`re:${first}`, ...rest])
      assert.equal(await peer.line(new RegExp(`^reply re:q${i}\\|`)), `reply re:q${i}|tail`)
    }
    assert.equal(await peer.exited, 0)
  })
})
