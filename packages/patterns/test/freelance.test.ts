// The Freelance client and server (RFC 10, the zguide's model 3) over real tcp sockets. Time is
// an injected ManualClock moved on with advance(ms): a ping every 2 s, a server dead after 6 s
// of silence, 3 s for a request, so each timer fires exactly when the test says. What the
// client does in between is awaited through its events, never slept for.
import { strict as assert } from "node:assert"
import { afterEach, beforeEach, describe, it } from "node:test"
import { Router, ZmqError } from "omq"
import { FreelanceClient, type FreelanceEvent, FreelanceServer } from "../src/mod.js"
import { EventLog } from "./event-log.js"
import { ManualClock } from "./manual-clock.js"

const TTL = 6_000
const isCode = (code: string) => (err: unknown) => err instanceof ZmqError && err.code === code

describe("Freelance (RFC 10)", () => {
  const log = new EventLog<FreelanceEvent>("omq:patterns:freelance")
  const events = log.events
  const nextEvent = (want: (e: FreelanceEvent) => boolean) => log.next(want)
  const alive = (endpoint: string) =>
    nextEvent((e) => e.type === "server-alive" && e.endpoint === endpoint)
  const closers: Array<{ close(): void }> = []
  const keep = <T extends { close(): void }>(c: T): T => {
    closers.push(c)
    return c
  }
  beforeEach(() => log.start())
  afterEach(() => {
    log.stop()
    for (const c of closers.splice(0)) c.close()
  })

  /** A server replying `[body] by NAME`. */
  async function server(name: string): Promise<FreelanceServer> {
    return keep(
      await FreelanceServer.bind("tcp://127.0.0.1:*", ([body]) => `${String(body)} by ${name}`),
    )
  }

  /**
   * A hand-driven server: answers PING with PONG, and hands each request to the test (which
   * replies as it likes, or not at all).
   */
  async function fakeServer() {
    const socket = keep(new Router({ linger: 0 }))
    await socket.bind("tcp://127.0.0.1:*")
    const requests: Array<{ id: Buffer; sequence: string; body: string }> = []
    let waiting = null as (() => void) | null
    void (async () => {
      for await (const [id, control, ...body] of socket) {
        if (String(control) === "PING") {
          await socket.send([id!, "PONG"])
          continue
        }
        requests.push({ id: id!, sequence: String(control), body: body.map(String).join(" ") })
        const wake = waiting
        waiting = null
        wake?.()
      }
    })().catch(() => {})
    const nextRequest = async () => {
      while (requests.length === 0) await new Promise<void>((r) => (waiting = r))
      return requests.shift()!
    }
    return { socket, endpoint: socket.lastEndpoint!, nextRequest }
  }

  it("a request made before any server is known waits for one, and is answered by it", async () => {
    const clock = new ManualClock()
    const a = await server("A")
    const client = keep(new FreelanceClient({ clock }))
    const up = alive(a.endpoint)
    client.connect(a.endpoint)
    assert.deepEqual(client.liveServers, [], "its connection is not even up yet")
    const reply = await client.request(["hello", "world"])
    await up
    assert.deepEqual(reply.map(String), ["hello by A"])
    assert.deepEqual(client.liveServers, [a.endpoint])
    assert.deepEqual(
      events.filter((e) => e.type !== "server-alive"),
      [],
      "no retry, no stale reply",
    )
  })

  it("on the wire: the server announces its endpoint as routing id, PONGs a PING, echoes the sequence", async () => {
    const a = keep(
      await FreelanceServer.bind("tcp://127.0.0.1:*", (body) => ["ok", ...body], {
        routingId: "tcp://fl.example:5555",
      }),
    )
    const raw = keep(new Router({ linger: 0 }))
    const connected = new Promise<void>((r) => raw.events.on("handshake", () => r()))
    raw.connect(a.endpoint) // no routingId: the server's own is used
    await connected
    await raw.send(["tcp://fl.example:5555", "PING"])
    assert.deepEqual((await raw.receive()).map(String), ["tcp://fl.example:5555", "PONG"])
    await raw.send(["tcp://fl.example:5555", "17", "x", "y"])
    assert.deepEqual((await raw.receive()).map(String), [
      "tcp://fl.example:5555",
      "17",
      "ok",
      "x",
      "y",
    ])
  })

  it("one of two servers closed: a request sent to it is retried on the other after `timeout`", async () => {
    const clock = new ManualClock()
    const a = await server("A")
    const b = await server("B")
    const client = keep(new FreelanceClient({ clock }))
    const up = Promise.all([alive(a.endpoint), alive(b.endpoint)])
    client.connect(a.endpoint)
    client.connect(b.endpoint)
    await up
    assert.deepEqual(await client.request("first").then((r) => r.map(String)), ["first by A"])
    a.close()
    const request = client.request("second")
    clock.advance(3_000) // a ping at 2 s, then the request's timeout: B is still within its ttl
    assert.deepEqual((await request).map(String), ["second by B"])
    assert.deepEqual(
      events.filter((e) => e.type === "retry"),
      [{ type: "retry", endpoint: a.endpoint, sequence: 2 }],
    )
    assert.equal(events.filter((e) => e.type === "server-expired").length, 0)
  })

  it("a server silent for serverTtl expires while the other answers pings; requests then go straight to the live one", async () => {
    const clock = new ManualClock()
    const a = await server("A")
    const b = await server("B")
    const client = keep(new FreelanceClient({ clock }))
    const up = Promise.all([alive(a.endpoint), alive(b.endpoint)])
    client.connect(a.endpoint)
    client.connect(b.endpoint)
    await up
    a.close()
    for (let t = 2_000; t < TTL; t += 2_000) {
      const heard = clock.untilTimer(TTL) // B's ttl re-armed: its PONG is in
      clock.advance(2_000)
      await heard
    }
    const expired = nextEvent((e) => e.type === "server-expired")
    clock.advance(2_000) // t = 6 s: A, last heard at 0, expires; B was heard at 4 s
    await expired
    assert.deepEqual(client.liveServers, [b.endpoint])
    assert.deepEqual((await client.request("job")).map(String), ["job by B"])
    assert.deepEqual(
      events.filter((e) => e.type === "server-expired" || e.type === "retry"),
      [{ type: "server-expired", endpoint: a.endpoint }],
      "A expired, and nothing was retried",
    )
  })

  it("a request waiting on a server that expires moves to the next at once, not after its timeout", async () => {
    const clock = new ManualClock()
    const a = await server("A")
    const b = await server("B")
    const client = keep(new FreelanceClient({ clock }))
    const up = Promise.all([alive(a.endpoint), alive(b.endpoint)])
    client.connect(a.endpoint)
    client.connect(b.endpoint)
    await up
    a.close()
    const request = client.request("patient", { timeout: 10_000 }) // to A, which is gone
    for (let t = 2_000; t < TTL; t += 2_000) {
      const heard = clock.untilTimer(TTL)
      clock.advance(2_000)
      await heard
    }
    clock.advance(2_000) // t = 6 s: A expires, 4 s before the request's own timeout
    assert.deepEqual((await request).map(String), ["patient by B"])
    assert.deepEqual(
      events.filter((e) => e.type === "server-expired" || e.type === "retry"),
      [
        { type: "server-expired", endpoint: a.endpoint },
        { type: "retry", endpoint: a.endpoint, sequence: 1 },
      ],
    )
  })

  it("no server answers: EAGAIN (none alive: after one timeout; one alive but mute: after trying it)", async () => {
    const clock = new ManualClock()
    // An endpoint nobody listens on any more.
    const gone = new Router({ linger: 0 })
    await gone.bind("tcp://127.0.0.1:*")
    const nowhere = gone.lastEndpoint!
    gone.close()
    const lonely = keep(new FreelanceClient({ clock }))
    lonely.connect(nowhere)
    const nobody = lonely.request("anyone?")
    clock.advance(3_000)
    await assert.rejects(nobody, isCode("EAGAIN"))
    assert.deepEqual(events.at(-1), { type: "abandon", sequence: 1, tried: 0 })

    const mute = await fakeServer()
    const client = keep(new FreelanceClient({ clock }))
    const up = alive(mute.endpoint)
    client.connect(mute.endpoint)
    await up
    const request = client.request("hello?")
    assert.equal((await mute.nextRequest()).body, "hello?")
    clock.advance(3_000)
    await assert.rejects(request, isCode("EAGAIN"))
    assert.deepEqual(events.filter((e) => e.type === "retry" || e.type === "abandon").slice(-2), [
      { type: "retry", endpoint: mute.endpoint, sequence: 1 },
      { type: "abandon", sequence: 1, tried: 1 },
    ])
  })

  it("a stale reply (an old sequence number) is dropped; the current request gets its own reply", async () => {
    const clock = new ManualClock()
    const fake = await fakeServer()
    const client = keep(new FreelanceClient({ clock }))
    const up = alive(fake.endpoint)
    client.connect(fake.endpoint)
    await up
    const first = client.request("one")
    const old = await fake.nextRequest()
    clock.advance(3_000)
    await assert.rejects(first, isCode("EAGAIN"))
    const second = client.request("two")
    const current = await fake.nextRequest()
    assert.notEqual(current.sequence, old.sequence)
    await fake.socket.send([current.id, old.sequence, "late reply to one"])
    await fake.socket.send([current.id, current.sequence, "reply to two"])
    assert.deepEqual((await second).map(String), ["reply to two"])
    assert.deepEqual(
      events.filter((e) => e.type === "stale-reply"),
      [{ type: "stale-reply", endpoint: fake.endpoint, sequence: Number(old.sequence) }],
    )
  })

  it("an aborted request rejects with the signal's reason; its late reply is stale", async () => {
    const clock = new ManualClock()
    const fake = await fakeServer()
    const client = keep(new FreelanceClient({ clock }))
    const up = alive(fake.endpoint)
    client.connect(fake.endpoint)
    await up
    const controller = new AbortController()
    const request = client.request("slow", { signal: controller.signal })
    const seen = await fake.nextRequest()
    controller.abort(new Error("user gave up"))
    await assert.rejects(request, /user gave up/)
    const stale = nextEvent((e) => e.type === "stale-reply")
    await fake.socket.send([seen.id, seen.sequence, "too late"])
    await stale
    assert.equal(clock.pending, 2, "only the ping ticker and the server's ttl are left")
  })

  it("bad options: EINVAL; connecting twice: EINVAL; a closed client: EBADF", async () => {
    const einval = isCode("EINVAL")
    assert.throws(() => new FreelanceClient({ timeout: 0 }), einval)
    assert.throws(() => new FreelanceClient({ pingInterval: 1.5 }), einval)
    assert.throws(() => new FreelanceClient({ pingInterval: 2_000, serverTtl: 2_000 }), einval)
    const client = new FreelanceClient({ clock: new ManualClock() })
    client.connect("tcp://127.0.0.1:1")
    assert.throws(() => client.connect("tcp://127.0.0.1:1"), einval)
    await assert.rejects(client.request("x", { timeout: -1 }), einval)
    const waiting = client.request("x") // no server alive: it waits
    client.close()
    await assert.rejects(waiting, isCode("EBADF"))
    await assert.rejects(client.request("x"), isCode("EBADF"))
    assert.throws(() => client.connect("tcp://127.0.0.1:2"), isCode("EBADF"))
  })
})
