// The draft socket types (omq/draft) against libzmq 4.3.5's drafts (zeromq.js's `zeromq/draft`)
// in both directions, and omq against omq over inproc too, under in-thread IO and an IO worker:
// CLIENT↔SERVER, SCATTER→GATHER, CHANNEL↔CHANNEL, RADIO→DISH, PEER. Plus what libzmq does with
// bad input: EINVAL, EHOSTUNREACH, or the message dropped, and nothing lost for other peers.
import { strict as assert } from "node:assert"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, it } from "node:test"
import type { Context } from "omq"
import { Channel, Client, Dish, Gather, Peer, Radio, Scatter, Server } from "omq/draft"
import * as zmq from "zeromq"
import * as zmqDraft from "zeromq/draft.js"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"
import { connectRaw, frame, greeting, ready } from "./helpers/raw-peer.js"
import { untyped } from "./helpers/untyped.js"
import { type AnyDish, sendUntilReceived, withWorkingJoin } from "./helpers/zmq-dish.js"

type Lib = "omq" | "zmq"

/** zeromq.js's base class, for the types it has no class for (PEER 19, CHANNEL 20). */
const RawZmqSocket = zmq.Socket as unknown as new (type: number, options: object) => zmq.Socket
type Transport = "tcp" | "ipc" | "inproc"

let endpointCount = 0
/** A fresh endpoint to bind on `transport` (tcp picks its port: read lastEndpoint after). */
function endpointFor(transport: Transport): string {
  endpointCount++
  if (transport === "tcp") return "tcp://127.0.0.1:*"
  if (transport === "ipc")
    return `ipc://${join(tmpdir(), `omq-draft-${process.pid}-${endpointCount}`)}`
  return `inproc://draft-${endpointCount}`
}

/** Every pairing to test: each library on each side, over tcp and ipc; omq↔omq over inproc too. */
const PAIRINGS: ReadonlyArray<{ binder: Lib; connecter: Lib; transport: Transport }> = [
  ...(["tcp", "ipc"] as const).flatMap((transport) =>
    (["omq", "zmq"] as const).flatMap((binder) =>
      (["omq", "zmq"] as const)
        .filter((connecter) => binder === "omq" || connecter === "omq")
        .map((connecter) => ({ binder, connecter, transport })),
    ),
  ),
  { binder: "omq", connecter: "omq", transport: "inproc" },
]
const named = (p: { binder: Lib; connecter: Lib; transport: Transport }): string =>
  `${p.binder} binds, ${p.connecter} connects, ${p.transport}`

/** [the library of the side under test, the other's], the side under test binding or not. */
function roles(pairing: { binder: Lib; connecter: Lib }, binds: boolean): [Lib, Lib] {
  return binds ? [pairing.binder, pairing.connecter] : [pairing.connecter, pairing.binder]
}

const text = (b: Buffer | undefined): string => b?.toString() ?? "<none>"

/** The bound endpoint, wildcards resolved. */
function bound(socket: { lastEndpoint: string | null }, asked: string): string {
  return asked.startsWith("tcp") ? socket.lastEndpoint! : asked
}

forEachIoThreads("draft sockets", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const common = { linger: 0, reconnectInterval: 20 }
  const omq = { context: ctx, ...common }

  // ---- CLIENT ↔ SERVER ---------------------------------------------------------------------

  type AnyServer = {
    bind(a: string): Promise<void>
    connect(a: string): void
    lastEndpoint: string | null
    receive(): Promise<[Buffer, { routingId: number }]>
    send(m: string, o: { routingId: number }): Promise<void>
  }
  type AnyClient = {
    bind(a: string): Promise<void>
    connect(a: string): void
    lastEndpoint: string | null
    receive(): Promise<Buffer[]>
    send(m: string): Promise<void>
  }
  const server = (lib: Lib): AnyServer =>
    sockets.add(lib === "omq" ? new Server(omq) : new zmqDraft.Server(common)) as AnyServer
  const client = (lib: Lib): AnyClient =>
    sockets.add(lib === "omq" ? new Client(omq) : new zmqDraft.Client(common)) as AnyClient

  for (const pairing of PAIRINGS) {
    for (const serverBinds of [true, false]) {
      const [serverLib, clientLib] = roles(pairing, serverBinds)
      it(`CLIENT↔SERVER, ${serverLib} SERVER${serverBinds ? " binds" : " connects"}: ${named(pairing)}`, async () => {
        const s = server(serverLib)
        // A bound server gets two clients; a connecting one, the one client it dials.
        const clients = serverBinds ? [client(clientLib), client(clientLib)] : [client(clientLib)]
        const asked = endpointFor(pairing.transport)
        if (serverBinds) {
          await s.bind(asked)
          for (const c of clients) c.connect(bound(s, asked))
        } else {
          await clients[0]!.bind(asked)
          s.connect(bound(clients[0]!, asked))
        }
        // Each client says who it is; the server answers each by its routing id.
        const ids = new Map<string, number>()
        for (const [i, c] of clients.entries()) {
          await c.send(`hello ${i}`)
          const [msg, { routingId }] = await s.receive()
          assert.equal(typeof routingId, "number")
          assert.notEqual(routingId, 0)
          ids.set(text(msg), routingId)
        }
        assert.equal(new Set(ids.values()).size, clients.length, "one routing id per peer")
        for (const [i, c] of clients.entries()) {
          await s.send(`to ${i}`, { routingId: ids.get(`hello ${i}`)! })
          assert.deepEqual((await c.receive()).map(text), [`to ${i}`])
        }
      })
    }
  }

  it("SERVER: unknown or 0 routing id gives EHOSTUNREACH, multipart EINVAL, no id EINVAL", async () => {
    const s = sockets.add(new Server(omq))
    const c = sockets.add(new Client(omq))
    await s.bind("inproc://server-errors")
    c.connect("inproc://server-errors")
    await c.send("hi")
    const [, { routingId }] = await s.receive()
    await assert.rejects(s.send("x", { routingId: (routingId + 1) >>> 0 }), {
      code: "EHOSTUNREACH",
    })
    await assert.rejects(s.send("x", { routingId: 0 }), { code: "EHOSTUNREACH" })
    // Multipart, or no routing id: the types reject these; from JavaScript they fail so.
    await assert.rejects(untyped(s).send(["a", "b"], { routingId }), { code: "EINVAL" })
    await assert.rejects(untyped(s).send("x"), { code: "EINVAL" })
    await assert.rejects(s.send("x", { routingId: -1 }), { code: "EINVAL" })
    await assert.rejects(untyped(c).send(["a", "b"]), { code: "EINVAL" })
    // Nothing was lost for the peer.
    await s.send("still here", { routingId })
    assert.deepEqual((await c.receive()).map(text), ["still here"])
  })

  it("SERVER drops an incoming multipart message whole and keeps serving", async () => {
    const s = sockets.add(new Server(omq))
    await s.bind("tcp://127.0.0.1:*")
    const raw = await connectRaw(s.lastEndpoint!)
    try {
      raw.write(
        Buffer.concat([
          greeting(),
          ready("CLIENT"),
          frame(0x01, Buffer.from("part 1")),
          frame(0x00, Buffer.from("part 2")),
          frame(0x00, Buffer.from("single")),
        ]),
      )
      const [msg] = await s.receive()
      assert.equal(text(msg), "single")
    } finally {
      raw.destroy()
    }
  })

  // ---- SCATTER → GATHER ----------------------------------------------------------------------

  for (const pairing of PAIRINGS) {
    for (const scatterBinds of [true, false]) {
      const [scatterLib, gatherLib] = roles(pairing, scatterBinds)
      it(`SCATTER→GATHER, ${scatterLib} SCATTER${scatterBinds ? " binds" : " connects"}: ${named(pairing)}`, async () => {
        const scatter = sockets.add(
          scatterLib === "omq" ? new Scatter(omq) : new zmqDraft.Scatter(common),
        ) as Omit<AnyClient, "receive">
        const gather = sockets.add(
          gatherLib === "omq" ? new Gather(omq) : new zmqDraft.Gather(common),
        ) as Omit<AnyClient, "send">
        const [binder, connecter] = scatterBinds ? [scatter, gather] : [gather, scatter]
        const asked = endpointFor(pairing.transport)
        await binder.bind(asked)
        connecter.connect(bound(binder, asked))
        for (let i = 0; i < 100; i++) await scatter.send(`m${i}`)
        for (let i = 0; i < 100; i++)
          assert.deepEqual((await gather.receive()).map(text), [`m${i}`])
      })
    }
  }

  it("SCATTER refuses multipart with EINVAL; GATHER cannot send", async () => {
    const scatter = sockets.add(new Scatter(omq))
    const gather = sockets.add(new Gather(omq))
    await gather.bind("inproc://scatter-errors")
    scatter.connect("inproc://scatter-errors")
    // The types reject both; from JavaScript they fail so.
    await assert.rejects(untyped(scatter).send(["a", "b"]), { code: "EINVAL" })
    await assert.rejects(untyped(gather).send("x"), { code: "ENOTSUP" })
    await scatter.send("ok")
    assert.deepEqual((await gather.receive()).map(text), ["ok"])
  })

  // ---- CHANNEL ↔ CHANNEL -----------------------------------------------------------------------

  for (const pairing of PAIRINGS) {
    it(`CHANNEL↔CHANNEL: ${named(pairing)}`, async () => {
      const make = (lib: Lib): AnyClient =>
        sockets.add(
          lib === "omq" ? new Channel(omq) : new RawZmqSocket(20 /* ZMQ_CHANNEL */, common),
        ) as unknown as AnyClient
      const a = make(pairing.binder)
      const b = make(pairing.connecter)
      const asked = endpointFor(pairing.transport)
      await a.bind(asked)
      b.connect(bound(a, asked))
      await b.send("ping")
      assert.deepEqual((await a.receive()).map(text), ["ping"])
      await a.send("pong")
      assert.deepEqual((await b.receive()).map(text), ["pong"])
    })
  }

  // ---- RADIO → DISH ----------------------------------------------------------------------------

  type AnyRadio = {
    bind(a: string): Promise<void>
    connect(a: string): void
    lastEndpoint: string | null
    send(m: string, o: { group: string }): Promise<void>
    close(): void
  }
  const radio = (lib: Lib): AnyRadio =>
    sockets.add(lib === "omq" ? new Radio(omq) : new zmqDraft.Radio(common)) as AnyRadio
  const dish = (lib: Lib): AnyDish => {
    if (lib === "omq") return sockets.add(new Dish(omq)) as unknown as AnyDish
    return withWorkingJoin(sockets.add(new zmqDraft.Dish(common)))
  }

  /** Sends `group`/`body` pairs until the dish has a message, which must be `expected`. */
  for (const pairing of PAIRINGS) {
    for (const radioBinds of [true, false]) {
      const [radioLib, dishLib] = roles(pairing, radioBinds)
      it(`RADIO→DISH with join/leave, ${radioLib} RADIO${radioBinds ? " binds" : " connects"}: ${named(pairing)}`, async () => {
        const r = radio(radioLib)
        const d = dish(dishLib)
        d.join("weather", "news")
        const [binder, connecter] = radioBinds ? [r, d] : [d, r]
        const asked = endpointFor(pairing.transport)
        await binder.bind(asked)
        connecter.connect(bound(binder, asked))
        // Only joined groups arrive: "sports" never does, whichever order they go in.
        await sendUntilReceived(
          r,
          d,
          [
            ["sports", "goal"],
            ["weather", "rain"],
          ],
          ["weather", "rain"],
        )
        await r.send("goal", { group: "sports" })
        await r.send("elections", { group: "news" })
        let [msg, { group }] = await d.receive()
        // Leftovers of the probing loop come first; skip them.
        while (text(group) === "weather") [msg, { group }] = await d.receive()
        assert.deepEqual([text(group), text(msg)], ["news", "elections"])
        d.leave("weather")
        await sendUntilReceived(
          r,
          d,
          [
            ["weather", "sun"],
            ["news", "late"],
          ],
          ["news", "late"],
        )
      })
    }
  }

  it("a DISH joins again after its RADIO restarts", async () => {
    const asked = endpointFor("tcp")
    const first = radio("omq")
    await first.bind(asked)
    const endpoint = first.lastEndpoint!
    const d = dish("omq")
    d.join("g")
    d.connect(endpoint)
    await sendUntilReceived(first, d, [["g", "one"]], ["g", "one"])
    first.close()
    await (first as unknown as Radio).finished
    const second = radio("zmq")
    await second.bind(endpoint)
    await sendUntilReceived(second, d, [["g", "two"]], ["g", "two"])
  })

  it("DISH: a group too long, joined twice or not joined gives EINVAL; DISH cannot send", async () => {
    const d = sockets.add(new Dish(omq))
    const r = sockets.add(new Radio(omq))
    assert.throws(() => d.join("x".repeat(256)), { code: "EINVAL" })
    d.join("x".repeat(255))
    assert.throws(() => d.join("x".repeat(255)), { code: "EINVAL" })
    assert.throws(() => d.leave("never"), { code: "EINVAL" })
    await assert.rejects(r.send("x", { group: "y".repeat(256) }), { code: "EINVAL" })
    // The types reject these; from JavaScript they fail so.
    await assert.rejects(untyped(d).send("x"), { code: "ENOTSUP" })
    await assert.rejects(untyped(r).send(["a", "b"], { group: "g" }), { code: "EINVAL" })
    await assert.rejects(untyped(r).receive(), { code: "ENOTSUP" })
  })

  it("a group ends at its first NUL byte, as libzmq's C-string groups do", () => {
    const d = sockets.add(new Dish(omq))
    d.join(Buffer.from("fo\0ba"), Buffer.from("ba\0fo"))
    d.leave("fo") // joined as "fo"
    assert.throws(() => d.join("ba"), { code: "EINVAL" }) // already joined as "ba"
    assert.throws(() => d.leave(Buffer.from("fo\0other")), { code: "EINVAL" })
  })

  it("RADIO itself filters: a dish gets only the groups it joined, whole, as two frames", async () => {
    const r = sockets.add(new Radio(omq))
    await r.bind("tcp://127.0.0.1:*")
    const raw = await connectRaw(r.lastEndpoint!)
    // A raw DISH that checks nothing itself: what arrives is what the RADIO chose to send.
    const data: Array<{ more: boolean; body: string }> = []
    let pending = Buffer.alloc(0)
    let greeted = false
    let gotWanted!: () => void
    const wanted = new Promise<void>((resolve) => {
      gotWanted = resolve
    })
    raw.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      if (!greeted) {
        if (pending.length < 64) return
        pending = pending.subarray(64)
        greeted = true
      }
      while (pending.length >= 2 && pending.length >= 2 + pending[1]!) {
        const flags = pending[0]!
        const body = pending.subarray(2, 2 + pending[1]!).toString()
        pending = pending.subarray(2 + pending[1]!)
        if (flags & 0x04) continue // READY
        data.push({ more: (flags & 0x01) !== 0, body })
        if (body === "last") gotWanted()
      }
    })
    try {
      const join = (group: string) =>
        frame(0x04, Buffer.concat([Buffer.from("\x04JOIN"), Buffer.from(group)]))
      raw.write(Buffer.concat([greeting(), ready("DISH"), join("a")]))
      // The JOIN has reached the radio once a message to "a" comes back.
      while (data.length === 0) {
        await r.send("probe", { group: "a" })
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      await r.send("not for you", { group: "b" })
      await r.send("not for you either", { group: "ab" })
      await r.send("last", { group: "a" })
      await wanted
      // Frames come in pairs: the group with MORE, then the body; leave out the probes.
      const pairs: string[][] = []
      for (let k = 0; k + 1 < data.length; k += 2) {
        assert.deepEqual([data[k]!.more, data[k + 1]!.more], [true, false])
        if (data[k + 1]!.body !== "probe") pairs.push([data[k]!.body, data[k + 1]!.body])
      }
      assert.deepEqual(pairs, [["a", "last"]])
    } finally {
      raw.destroy()
    }
  })

  it("a peer whose JOIN names a 300-byte group is dropped; other dishes are still served", async () => {
    const r = sockets.add(new Radio(omq))
    await r.bind("tcp://127.0.0.1:*")
    const dropped = new Promise<void>((resolve) => r.events.on("disconnect", () => resolve()))
    const raw = await connectRaw(r.lastEndpoint!)
    const closed = new Promise<void>((resolve) => raw.once("close", () => resolve()))
    const join300 = frame(0x04, Buffer.concat([Buffer.from("\x04JOIN"), Buffer.alloc(300, 0x61)]))
    raw.write(Buffer.concat([greeting(), ready("DISH"), join300]))
    await Promise.all([dropped, closed])
    const good = dish("omq")
    good.join("g")
    good.connect(r.lastEndpoint!)
    await sendUntilReceived(r as unknown as AnyRadio, good, [["g", "fine"]], ["g", "fine"])
  })

  // ---- PEER ------------------------------------------------------------------------------------

  for (const transport of ["tcp", "ipc", "inproc"] as const) {
    it(`PEER↔PEER: connectPeer names the pipe at once; both sides send (${transport})`, async () => {
      const a = sockets.add(new Peer(omq))
      const b = sockets.add(new Peer(omq))
      const asked = endpointFor(transport)
      await a.bind(asked)
      const id = b.connectPeer(bound(a, asked))
      assert.ok(Number.isInteger(id) && id !== 0)
      await b.send("first", { routingId: id }) // before the connection is up
      const [msg, { routingId: back }] = await a.receive()
      assert.equal(text(msg), "first")
      await a.send("reply", { routingId: back })
      const [reply, { routingId: from }] = await b.receive()
      assert.deepEqual([text(reply), from], ["reply", id])
    })
  }

  it("PEER: an omq PEER sends to a libzmq PEER (which can only receive in zeromq.js)", async () => {
    const z = sockets.add(new RawZmqSocket(19 /* ZMQ_PEER */, common)) as unknown as {
      bind(a: string): Promise<void>
      lastEndpoint: string
      receive(): Promise<Buffer[]>
    }
    await z.bind("tcp://127.0.0.1:*")
    const p = sockets.add(new Peer(omq))
    const id = p.connectPeer(z.lastEndpoint)
    await p.send("hello libzmq", { routingId: id })
    const [msg] = await z.receive()
    assert.equal(text(msg), "hello libzmq")
  })

  it("PEER: connectPeer with immediate gives EFAULT", () => {
    const p = sockets.add(new Peer({ ...omq, immediate: true }))
    assert.throws(() => p.connectPeer("tcp://127.0.0.1:9"), { code: "EFAULT" })
  })
})
