// ZMTP 3.1 heartbeats (PING/PONG, TTL, timeout): toward libzmq peers that ping, toward silent
// raw peers, and toward a libzmq process frozen with SIGSTOP. Idle periods here are the
// behaviour under test (nothing must happen during them), so they are timed waits.
import { strict as assert } from "node:assert"
import { createServer, type Socket as NetSocket } from "node:net"
import { afterEach, describe, it } from "node:test"
import { setTimeout as delay } from "node:timers/promises"
import { type Context, Reply, Request } from "omq"
import * as zmq from "zeromq"
import { run } from "./helpers/child.js"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"
import { connectRaw, frame, greeting, ready } from "./helpers/raw-peer.js"
import { type AnySocket, curveOptions, type Lib, nextEventOf, pairOf } from "./helpers/security.js"
import { text } from "./helpers/spec.js"

// Timeouts of several intervals: a busy 2-core machine can stall an event loop for 100 ms.
const FAST = { heartbeatInterval: 30, heartbeatTimeout: 400, heartbeatTimeToLive: 600 }
/** PINGs every 5 ms that never time out: what is tested is that they disturb nothing. */
const FREQUENT = { heartbeatInterval: 5, heartbeatTimeout: 5_000 }

/** A PING command frame announcing `ttlDeciseconds`. */
function ping(ttlDeciseconds: number): Buffer {
  return frame(
    0x04,
    Buffer.from([4, ...Buffer.from("PING"), ttlDeciseconds >> 8, ttlDeciseconds & 0xff]),
  )
}

/**
 * A raw tcp peer that completes a NULL handshake as PAIR, optionally sends `then`, and then says
 * nothing more (it never answers a PING). Counts the connections it accepted.
 */
async function silentPeer(
  then?: Buffer,
): Promise<{ endpoint: string; accepted: (count: number) => Promise<void>; close: () => void }> {
  const streams: NetSocket[] = []
  const waiting: Array<{ count: number; resolve: () => void }> = []
  const server = createServer((stream) => {
    streams.push(stream)
    for (const w of waiting.filter((w) => streams.length >= w.count)) w.resolve()
    stream.on("error", () => {})
    stream.resume()
    stream.write(Buffer.concat([greeting(), ready("PAIR"), ...(then ? [then] : [])]))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as { port: number }
  return {
    endpoint: `tcp://127.0.0.1:${port}`,
    accepted: (count) =>
      streams.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiting.push({ count, resolve })),
    close: () => {
      for (const s of streams) s.destroy()
      server.close()
    },
  }
}

/** Counts the command frames (by name) that arrive on a raw stream after the greeting. */
function countCommands(stream: NetSocket): {
  counts: Map<string, number>
  next: (name: string) => Promise<void>
} {
  const counts = new Map<string, number>()
  const waiting: Array<{ name: string; resolve: () => void }> = []
  let pending = Buffer.alloc(0)
  let greeted = false
  stream.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk])
    if (!greeted) {
      if (pending.length < 64) return
      pending = pending.subarray(64)
      greeted = true
    }
    for (;;) {
      if (pending.length < 2) return
      const long = (pending[0]! & 0x02) !== 0
      const headerSize = long ? 9 : 2
      if (pending.length < headerSize) return
      const size = long ? Number(pending.readBigUInt64BE(1)) : pending[1]!
      if (pending.length < headerSize + size) return
      const body = pending.subarray(headerSize, headerSize + size)
      if (pending[0]! & 0x04) {
        const name = body.subarray(1, 1 + body[0]!).toString("latin1")
        counts.set(name, (counts.get(name) ?? 0) + 1)
        for (const w of waiting.filter((w) => w.name === name)) {
          waiting.splice(waiting.indexOf(w), 1)
          w.resolve()
        }
      }
      pending = pending.subarray(headerSize + size)
    }
  })
  return {
    counts,
    next: (name) => new Promise((resolve) => waiting.push({ name, resolve })),
  }
}

forEachIoThreads("heartbeats", (ctx: Context) => {
  const sockets = new Sockets()
  const cleanups: Array<() => void> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) c()
    await sockets.closeAll()
  })
  const pair = (lib: Lib, options: Record<string, unknown>): AnySocket =>
    sockets.add(pairOf(lib, ctx, options))

  for (const pinger of ["omq", "zmq"] as const) {
    const other: Lib = pinger === "omq" ? "zmq" : "omq"
    it(`a ${pinger} peer that pings and a ${other} peer stay connected through idle periods`, async () => {
      const a = pair(pinger, FAST)
      const b = pair(other, {})
      const dropped: string[] = []
      for (const s of [a, b]) s.events.on("disconnect", (e) => dropped.push(e.type))
      await a.bind("tcp://127.0.0.1:*")
      const up = nextEventOf(a, "handshake")
      b.connect(a.lastEndpoint!)
      await up
      await delay(600) // 20 heartbeat intervals, 5 timeouts, 2 TTLs
      await b.send("still there")
      assert.deepEqual(text(await a.receive()), ["still there"])
      assert.deepEqual(dropped, [])
    })
  }

  it("sends no PINGs of its own while the peer PINGs it, and resumes when the peer stops", async () => {
    const pinger = pair("omq", { heartbeatInterval: 100, heartbeatTimeout: 5_000 })
    await pinger.bind("tcp://127.0.0.1:*")
    const stream = await connectRaw(pinger.lastEndpoint!)
    cleanups.push(() => stream.destroy())
    const seen = countCommands(stream)
    stream.write(Buffer.concat([greeting(), ready("PAIR")]))
    // The peer PINGs every 10 ms for 600 ms: omq answers each with a PONG and, its own interval
    // being 100 ms, would otherwise have sent about 6 PINGs. One or two may slip through when a
    // busy machine delays the peer's timer past omq's tick.
    const peerPings = setInterval(() => stream.write(ping(0)), 10)
    await delay(600)
    clearInterval(peerPings)
    const pingsWhilePinged = seen.counts.get("PING") ?? 0
    assert.ok((seen.counts.get("PONG") ?? 0) >= 10, "the peer's PINGs were answered")
    assert.ok(pingsWhilePinged <= 2, `${pingsWhilePinged} PINGs while the peer was pinging`)
    // Silence from the peer: omq's own PINGs come back, every interval.
    await seen.next("PING")
    await seen.next("PING")
  })

  it("a silent peer is dropped after heartbeatTimeout, and the connecter dials again", async () => {
    const peer = await silentPeer()
    cleanups.push(peer.close)
    const pinger = pair("omq", FAST)
    const dropped = nextEventOf(pinger, "disconnect")
    pinger.connect(peer.endpoint)
    await dropped
    await peer.accepted(2) // the connecter dialled again
  })

  it("a peer's TTL is honoured: silence that long after its PING drops it", async () => {
    const peer = await silentPeer(ping(2)) // 200 ms
    cleanups.push(peer.close)
    const quiet = pair("omq", {}) // no heartbeats of its own
    const started = Date.now()
    const dropped = nextEventOf(quiet, "disconnect")
    quiet.connect(peer.endpoint)
    await dropped
    assert.ok(Date.now() - started >= 150, "dropped after the TTL, not at once")
  })

  it("heartbeats never disturb REQ/REP, in clear and under CURVE", async () => {
    for (const curve of [false, true]) {
      const keys = curveOptions()
      const rep = sockets.add(
        new Reply({ context: ctx, linger: 0, ...FREQUENT, ...(curve ? keys.server : {}) }),
      )
      const req = sockets.add(
        new zmq.Request({ linger: 0, ...FREQUENT, ...(curve ? keys.client : {}) }),
      )
      await rep.bind("tcp://127.0.0.1:*")
      req.connect(rep.lastEndpoint!)
      for (let i = 0; i < 20; i++) {
        await req.send(`q${i}`)
        assert.deepEqual(text(await rep.receive()), [`q${i}`])
        await delay(12) // a few PINGs each way between request and reply
        await rep.send(`a${i}`)
        assert.deepEqual(text(await req.receive()), [`a${i}`])
      }
      const omqReq = sockets.add(
        new Request({
          context: ctx,
          linger: 0,
          ...FREQUENT,
          ...(curve ? keys.client : {}),
        }),
      )
      omqReq.connect(rep.lastEndpoint!)
      await omqReq.send("omq")
      await delay(12)
      assert.deepEqual(text(await rep.receive()), ["omq"])
      await rep.send("ok")
      assert.deepEqual(text(await omqReq.receive()), ["ok"])
    }
  })
})

describe("heartbeats toward a frozen libzmq process", { timeout: 20_000 }, () => {
  it("a libzmq peer stopped with SIGSTOP is detected and dropped", async () => {
    const child = run("zmq-pair-peer", [], 15_000)
    const endpoint = (await child.line(/^endpoint /)).split(" ")[1]!
    const sockets = new Sockets()
    const pinger = sockets.add(
      pairOf("omq", (await import("omq")).context, { ...FAST, reconnectInterval: -1 }),
    )
    const up = nextEventOf(pinger, "handshake")
    pinger.connect(endpoint)
    await up
    const dropped = nextEventOf(pinger, "disconnect")
    child.proc.kill("SIGSTOP")
    try {
      await dropped
    } finally {
      child.proc.kill("SIGKILL")
      await sockets.closeAll()
    }
  })
})
