// A ws:// PULL that well-behaved omq and libzmq clients feed must shrug off hostile raw clients:
// each is refused (an HTTP status and no upgrade) or dropped, nothing it sends reaches
// receive(), and the good clients keep being served. Then the other way round: an omq ws
// client drops a hostile server.
import assert from "node:assert/strict"
import { after, afterEach, before, describe, it } from "node:test"
import { Context, type EventOfType, type EventType, type Observer, Pull, Push } from "omq"
import * as zmq from "zeromq"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"
import { assertNothingArrives, text } from "./helpers/spec.js"
import {
  OP,
  RawWsClient,
  type RawWsConnection,
  RawWsServer,
  type UpgradeRequest,
  wsFrame,
  zws,
  zwsReady,
} from "./helpers/ws-raw-peer.js"

/** The next event of `type` on an omq socket. Call before acting. */
function nextEvent<E extends EventType>(
  socket: { readonly events: Observer },
  type: E,
): Promise<EventOfType<E>> {
  return new Promise((resolve) => {
    const listener = (event: EventOfType<E>): void => {
      socket.events.off(type, listener)
      resolve(event)
    }
    socket.events.on(type, listener)
  })
}

const MAX_MESSAGE_SIZE = 1024
const HANDSHAKE_INTERVAL = 400
/** Bound to a path of two segments: served as "/bad/peers" and as "/peers" (libzmq's clients). */
const BIND = "ws://127.0.0.1:*/bad/peers"

/** An upgrade the server refuses: the answer's status, and no 101. */
interface Refusal {
  name: string
  request: UpgradeRequest
  status: number
}

const REFUSALS: Refusal[] = [
  {
    name: "a subprotocol of another mechanism (ZWS2.0/CURVE toward a NULL socket)",
    request: { path: "/bad/peers", protocols: "ZWS2.0/CURVE" },
    status: 400,
  },
  {
    name: "a subprotocol that is not ZWS at all",
    request: { path: "/bad/peers", protocols: "chat, superchat" },
    status: 400,
  },
  {
    name: "no Sec-WebSocket-Protocol header",
    request: { path: "/bad/peers", protocols: null },
    status: 400,
  },
  { name: "a path that is not served", request: { path: "/elsewhere" }, status: 404 },
  { name: "a path that only ends like the served one", request: { path: "/x/peers" }, status: 404 },
]

const EVIL = "evil"

/** What a hostile client sends once it is a legitimate peer (upgraded, handshaken, heard). */
interface Hostile {
  name: string
  act: (client: RawWsClient) => void
}

const HOSTILE: Hostile[] = [
  { name: "a text message", act: (c) => c.send(OP.text, zws(0, EVIL)) },
  {
    name: "an unmasked client frame",
    act: (c) => c.send(OP.binary, zws(0, EVIL), { mask: false }),
  },
  {
    name: "a fragmented message (FIN=0, then a continuation) in one write",
    // One write: both fragments reach the server in one read, as a fast peer's would.
    act: (c) =>
      c.socket.write(
        Buffer.concat([
          wsFrame(OP.binary, zws(0, "ev"), { mask: true, fin: false }),
          wsFrame(OP.continuation, Buffer.from("il"), { mask: true }),
        ]),
      ),
  },
  {
    name: "the first fragment of a message (FIN=0) alone",
    act: (c) => c.send(OP.binary, zws(0, EVIL), { fin: false }),
  },
  {
    name: "an empty binary message (no flags byte)",
    act: (c) => c.send(OP.binary, Buffer.alloc(0)),
  },
  {
    name: "a message one byte over maxMessageSize",
    act: (c) => c.send(OP.binary, zws(0, Buffer.alloc(MAX_MESSAGE_SIZE + 1, 0x65))),
  },
  {
    name: "a multipart message whose last part is over maxMessageSize",
    act: (c) => c.sendZws(zws(0x01, EVIL), zws(0, Buffer.alloc(MAX_MESSAGE_SIZE + 1, 0x65))),
  },
]

for (const ioThreads of [0, 1]) {
  describe(`hostile ws clients against a bound PULL (ioThreads: ${ioThreads})`, () => {
    let ctx: Context
    let pull: Pull
    let endpoint: string
    const good = new Sockets()
    let omqPush: Push
    let zmqPush: zmq.Push
    const raw: RawWsClient[] = []
    let seq = 0

    /**
     * Receives until every message in `expected` (frames joined by "|") has arrived, and fails
     * if anything else came before them. What is unexpected is read too, so one failing test
     * leaves no leftovers for the next.
     */
    async function receiveExactly(...expected: string[]): Promise<void> {
      const missing = new Set(expected)
      const unexpected: string[] = []
      while (missing.size > 0) {
        const message = text(await pull.receive()).join("|")
        if (!missing.delete(message)) unexpected.push(message)
      }
      assert.deepEqual(unexpected, [], `received besides ${expected.join(", ")}`)
    }

    /** Both good clients send; both messages, and nothing else, reach the PULL. */
    async function goodClientsServed(): Promise<void> {
      const n = seq++
      await omqPush.send(["omq", `${n}`])
      await zmqPush.send(["zmq", `${n}`])
      await receiveExactly(`omq|${n}`, `zmq|${n}`)
    }

    /** A raw client, upgraded with ZWS2.0/NULL, handshaken as PUSH, and heard once. */
    async function legitimateRawPeer(tag: string): Promise<RawWsClient> {
      const client = await RawWsClient.connect(endpoint)
      raw.push(client)
      const answer = await client.upgrade({ path: "/peers" })
      assert.equal(answer?.status, 101)
      assert.equal(answer.headers["sec-websocket-protocol"], "ZWS2.0/NULL")
      const ready = await client.frames.first()
      assert.equal(ready.opcode, OP.binary)
      assert.equal(ready.masked, false, "a server's frames are not masked")
      assert.equal(ready.payload.subarray(0, 7).toString("latin1"), "\x02\x05READY")
      client.sendZws(zwsReady("PUSH"), zws(0, tag))
      await receiveExactly(tag)
      return client
    }

    before(async () => {
      ctx = new Context({ ioThreads })
      pull = new Pull({
        context: ctx,
        linger: 0,
        maxMessageSize: MAX_MESSAGE_SIZE,
        handshakeInterval: HANDSHAKE_INTERVAL,
      })
      await pull.bind(BIND)
      endpoint = pull.lastEndpoint!
      omqPush = good.add(new Push({ context: ctx, linger: 0 }))
      omqPush.connect(endpoint)
      zmqPush = good.add(new zmq.Push({ linger: 0 }))
      zmqPush.connect(endpoint)
      await goodClientsServed()
    })

    afterEach(() => {
      for (const c of raw.splice(0)) c.destroy()
    })

    after(async () => {
      await good.closeAll()
      pull.close()
      await ctx.closeSocketsAndTerminate()
    })

    for (const refusal of REFUSALS) {
      it(`refuses the upgrade (${refusal.status}): ${refusal.name}`, async () => {
        const client = await RawWsClient.connect(endpoint)
        raw.push(client)
        const answer = await client.upgrade(refusal.request)
        assert.equal(answer?.status, refusal.status)
        assert.equal(answer.headers["sec-websocket-accept"], undefined, "no upgrade")
        await client.closedByServer()
        await goodClientsServed()
      })
    }

    it("answers a plain HTTP GET with 426 Upgrade Required, and closes", async () => {
      const client = await RawWsClient.connect(endpoint)
      raw.push(client)
      client.socket.write("GET /bad/peers HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
      const answer = await client.answer()
      assert.equal(answer?.status, 426)
      assert.equal(answer.headers.upgrade?.toLowerCase(), "websocket")
      await client.closedByServer()
      await goodClientsServed()
    })

    it("drops a slowloris upgrade (half a request line) after handshakeInterval", async () => {
      const client = await RawWsClient.connect(endpoint)
      raw.push(client)
      const started = Date.now()
      client.socket.write("GET /bad/pe")
      // The good clients are served while the slow one hangs.
      await goodClientsServed()
      await client.closedByServer()
      const took = Date.now() - started
      assert.ok(took >= HANDSHAKE_INTERVAL * 0.75, `dropped after ${took} ms, before the interval`)
      assert.equal(client.received, 0, "not a byte of answer")
      await goodClientsServed()
    })

    it("drops an upgraded client that never completes the NULL handshake", async () => {
      const client = await RawWsClient.connect(endpoint)
      raw.push(client)
      const answer = await client.upgrade({ path: "/bad/peers" })
      assert.equal(answer?.status, 101)
      await client.closedByServer() // after handshakeInterval
      await goodClientsServed()
    })

    for (const hostile of HOSTILE) {
      it(`drops a client that sends ${hostile.name}`, async () => {
        const client = await legitimateRawPeer(`raw before ${hostile.name}`)
        hostile.act(client)
        await client.closedByServer()
        await goodClientsServed()
        // Nothing of the hostile message surfaced, now or later.
        await assertNothingArrives(pull, 150)
      })
    }

    it("a whole message, then a fragment, in one read: the message arrives, then the client is dropped", async () => {
      const client = await legitimateRawPeer("raw before the pair")
      client.socket.write(
        Buffer.concat([
          wsFrame(OP.binary, zws(0, "kept"), { mask: true }),
          wsFrame(OP.binary, zws(0, "ev"), { mask: true, fin: false }),
        ]),
      )
      await receiveExactly("kept")
      await client.closedByServer()
      await goodClientsServed()
      await assertNothingArrives(pull, 150)
    })

    it("a frame ws refuses (over maxMessageSize) ends the pipe at once, not after ws's closing wait", async () => {
      const client = await legitimateRawPeer("raw before the oversized one")
      const dropped = nextEvent(pull, "disconnect")
      // The raw client never closes its side: only our side may end it.
      client.send(OP.binary, zws(0, Buffer.alloc(MAX_MESSAGE_SIZE + 1, 0x65)))
      await dropped
      await goodClientsServed()
    })

    it("takes a message of exactly maxMessageSize", async () => {
      const client = await legitimateRawPeer("raw at the limit")
      client.sendZws(zws(0, "a".repeat(MAX_MESSAGE_SIZE)))
      await receiveExactly("a".repeat(MAX_MESSAGE_SIZE))
      await goodClientsServed()
    })

    it("still serves a well-behaved raw client, on the full path and bare ZWS2.0", async () => {
      const client = await RawWsClient.connect(endpoint)
      raw.push(client)
      const answer = await client.upgrade({ path: "/bad/peers", protocols: "ZWS2.0" })
      assert.equal(answer?.status, 101)
      assert.equal(answer.headers["sec-websocket-protocol"], "ZWS2.0")
      // Bare ZWS2.0: each side's first message is its routing id; no READY.
      client.sendZws(zws(0, "raw-id"), zws(0x01, "bare"), zws(0, "message"))
      await receiveExactly("bare|message")
      await goodClientsServed()
    })
  })
}

forEachIoThreads("an omq ws client against hostile servers", (ctx: Context) => {
  const sockets = new Sockets()
  const servers: RawWsServer[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
    await sockets.closeAll()
  })

  /**
   * A server that answers its first upgrade with `first`, and later ones well: ZWS2.0/NULL,
   * READY as PUSH, then the message "hello".
   */
  async function server(first: (conn: RawWsConnection) => void): Promise<RawWsServer> {
    const s = await RawWsServer.listen((conn, index) => {
      if (index === 0) return first(conn)
      conn.accept("ZWS2.0/NULL")
      conn.sendZws(zwsReady("PUSH"), zws(0, "hello"))
    })
    servers.push(s)
    return s
  }

  const pullOf = (): Pull =>
    sockets.add(new Pull({ context: ctx, linger: 0, reconnectInterval: 20 }))

  const badUpgrades: Array<{ name: string; protocol: string | null }> = [
    { name: "selects a subprotocol it was not offered", protocol: "ZWS2.0/CURVE" },
    { name: "selects no subprotocol", protocol: null },
  ]
  for (const bad of badUpgrades) {
    it(`a server that ${bad.name} is dropped before the handshake; the client dials again`, async () => {
      const s = await server((conn) => conn.accept(bad.protocol))
      const pull = pullOf()
      const retried = nextEvent(pull, "connect:retry")
      pull.connect(s.endpoint("/a/b"))
      const first = await s.nth(0)
      assert.deepEqual(first.offered, ["ZWS2.0/NULL", "ZWS2.0"])
      assert.equal(first.path, "/a/b")
      await first.closed
      await retried
      // The next attempt is served well: its message is the first to arrive.
      assert.deepEqual(text(await pull.receive()), ["hello"])
    })
  }

  const badFrames: Array<{ name: string; act: (conn: RawWsConnection) => void }> = [
    { name: "a text message", act: (conn) => conn.send(OP.text, zws(0, EVIL)) },
    { name: "a masked frame", act: (conn) => conn.send(OP.binary, zws(0, EVIL), { mask: true }) },
    { name: "an empty binary message", act: (conn) => conn.send(OP.binary, Buffer.alloc(0)) },
    {
      name: "a fragmented message (FIN=0, then a continuation) in one write",
      act: (conn) =>
        conn.socket.write(
          Buffer.concat([
            wsFrame(OP.binary, zws(0, "ev"), { fin: false }),
            wsFrame(OP.continuation, Buffer.from("il")),
          ]),
        ),
    },
  ]
  for (const bad of badFrames) {
    it(`a server that sends ${bad.name} after the handshake is dropped; nothing of it arrives`, async () => {
      const s = await server((conn) => {
        conn.accept("ZWS2.0/NULL")
        conn.sendZws(zwsReady("PUSH"), zws(0, "first"))
        bad.act(conn)
      })
      const pull = pullOf()
      const dropped = nextEvent(pull, "disconnect")
      pull.connect(s.endpoint())
      assert.deepEqual(text(await pull.receive()), ["first"])
      await dropped
      await (await s.nth(0)).closed
      // As libzmq after a protocol error, the client need not dial again; whatever it does,
      // nothing of the hostile message may reach the application.
      pull.receiveTimeout = 300
      const next = await pull.receive().then(
        (frames) => text(frames).join("|"),
        (err: { code?: string }) => err.code,
      )
      assert.ok(next === "EAGAIN" || next === "hello", `received ${next}`)
    })
  }
})
