// Binary Star servers and client (zguide chapter 5) over real tcp sockets. Each server and the
// client run on their own ManualClock, moved on by hand: heartbeats, the peer's expiry and the
// client's timeout and settle delay happen exactly when the test says. What the sockets do in
// between is awaited through the pattern's events, never slept for.
import { strict as assert } from "node:assert"
import { createServer } from "node:net"
import { afterEach, beforeEach, describe, it } from "node:test"
import { Dealer, Subscriber, XPublisher } from "omq"
import {
  BinaryStarClient,
  type BinaryStarEvent,
  type BinaryStarRole,
  BinaryStarServer,
} from "../src/mod.js"
import { EventLog } from "./event-log.js"
import { ManualClock } from "./manual-clock.js"

const HEARTBEAT = 1_000
const EXPIRY = 2 * HEARTBEAT
const local = (port: number) => `tcp://127.0.0.1:${port}`

/** Ports free now, all different (held open together while they are picked). */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer())
  const ports = await Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve) =>
          s.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port)),
        ),
    ),
  )
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}

describe("Binary Star", () => {
  const log = new EventLog<BinaryStarEvent>("omq:patterns:binary-star")
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

  const changed = (role: BinaryStarRole, to: string) => (e: BinaryStarEvent) =>
    e.type === "state" && e.role === role && e.to === to
  const from = (role: BinaryStarRole, type: BinaryStarEvent["type"]) => (e: BinaryStarEvent) =>
    e.type === type && "role" in e && e.role === role

  /** Both ends of a pair on fixed ports (so a server can be restarted where it was). */
  async function pairPorts() {
    const [pf, bf, ps, bs] = await freePorts(4)
    const endpoints = {
      primary: { frontend: local(pf!), statePub: local(ps!), stateSub: local(bs!) },
      backup: { frontend: local(bf!), statePub: local(bs!), stateSub: local(ps!) },
    }
    const clocks = { primary: new ManualClock(), backup: new ManualClock() }
    const start = async (role: BinaryStarRole) =>
      keep(
        await BinaryStarServer.start(
          { role, ...endpoints[role], clock: clocks[role] },
          ([body]) => `${String(body)} by ${role}`,
        ),
      )
    return { endpoints, clocks, start }
  }

  /** A started pair, settled: the primary ACTIVE, the backup PASSIVE. */
  async function settledPair() {
    const pair = await pairPorts()
    const settled = Promise.all([
      log.next(changed("primary", "ACTIVE")),
      log.next(changed("backup", "PASSIVE")),
    ])
    const primary = await pair.start("primary")
    const backup = await pair.start("backup")
    await settled
    return { ...pair, primary, backup }
  }

  /**
   * Closes `server` and waits until `peer` has read all it will ever get from it: its state
   * subscriber's connection ends after the last message the server wrote, and the messages read
   * before the end are taken in within the same turn of the event loop.
   */
  async function kill(server: BinaryStarServer, peer: BinaryStarServer): Promise<void> {
    const gone = new Promise<void>((resolve) => {
      const onDisconnect = (): void => {
        peer.stateSub.events.off("disconnect", onDisconnect)
        resolve()
      }
      peer.stateSub.events.on("disconnect", onDisconnect)
    })
    server.close()
    await gone
    await new Promise((resolve) => setImmediate(resolve))
  }

  /** A raw client of one server: sends `["", body]`, replies come back as `["", reply]`. */
  function rawClient(endpoint: string) {
    const dealer = keep(new Dealer({ linger: 0 }))
    dealer.connect(endpoint)
    return {
      send: (body: string) => dealer.send(["", body]),
      reply: async () => (await dealer.receive()).map(String),
    }
  }

  it("a pair settles without a heartbeat: the primary ACTIVE answers, the backup PASSIVE drops", async () => {
    const { primary, backup, endpoints } = await settledPair()
    assert.equal(primary.state, "ACTIVE")
    assert.equal(backup.state, "PASSIVE")
    const toBackup = rawClient(endpoints.backup.frontend)
    const rejected = log.next(from("backup", "request-rejected"))
    await toBackup.send("lost")
    assert.deepEqual(await rejected, {
      type: "request-rejected",
      role: "backup",
      state: "PASSIVE",
    })
    const toPrimary = rawClient(endpoints.primary.frontend)
    await toPrimary.send("hello")
    assert.deepEqual(await toPrimary.reply(), ["", "hello by primary"])
    assert.deepEqual(
      log.events.filter((e) => e.type === "state"),
      [
        { type: "state", role: "primary", from: "PRIMARY", to: "ACTIVE", event: "PEER_BACKUP" },
        { type: "state", role: "backup", from: "BACKUP", to: "PASSIVE", event: "PEER_ACTIVE" },
      ],
    )
  })

  it("alone, a primary serves (still PRIMARY) and a backup drops every request", async () => {
    const { endpoints, start } = await pairPorts()
    const primary = await start("primary")
    const toPrimary = rawClient(endpoints.primary.frontend)
    await toPrimary.send("alone")
    assert.deepEqual(await toPrimary.reply(), ["", "alone by primary"])
    assert.equal(primary.state, "PRIMARY")
    primary.close()

    const backup = await start("backup")
    const toBackup = rawClient(endpoints.backup.frontend)
    const rejected = log.next(from("backup", "request-rejected"))
    await toBackup.send("alone")
    assert.deepEqual(await rejected, { type: "request-rejected", role: "backup", state: "BACKUP" })
    assert.equal(backup.state, "BACKUP")
  })

  it("each server publishes its state every heartbeat, and at once to a new subscriber", async () => {
    const { endpoints, clocks, start } = await pairPorts()
    await start("primary")
    const watcher = keep(new Subscriber({ linger: 0 }))
    watcher.subscribe()
    watcher.connect(endpoints.primary.statePub)
    assert.deepEqual((await watcher.receive()).map(String), ["1"], "PRIMARY, on subscribing")
    for (let beat = 1; beat <= 3; beat++) {
      const rearmed = clocks.primary.untilTimer(HEARTBEAT)
      clocks.primary.advance(HEARTBEAT)
      await rearmed
      assert.deepEqual((await watcher.receive()).map(String), ["1"], `heartbeat ${beat}`)
    }
  })

  it("the active primary gone: the backup drops requests until the primary expired (2 heartbeats), then the next one makes it ACTIVE", async () => {
    const { primary, backup, clocks, endpoints } = await settledPair()
    await kill(primary, backup)
    const client = rawClient(endpoints.backup.frontend)
    const rejected = log.next(from("backup", "request-rejected"))
    await client.send("too early")
    await rejected

    clocks.backup.advance(EXPIRY - 1)
    assert.equal(log.ofType("peer-expired").length, 0, "not yet: one heartbeat to go")
    clocks.backup.advance(1)
    assert.deepEqual(log.ofType("peer-expired"), [{ type: "peer-expired", role: "backup" }])
    assert.equal(backup.state, "PASSIVE", "no takeover without a client's request")

    const failover = log.next("failover")
    await client.send("vote")
    assert.deepEqual(await client.reply(), ["", "vote by backup"], "the early one got no reply")
    assert.deepEqual(await failover, { type: "failover", role: "backup" })
    assert.equal(backup.state, "ACTIVE")
    assert.deepEqual(log.ofType("state").at(-1), {
      type: "state",
      role: "backup",
      from: "PASSIVE",
      to: "ACTIVE",
      event: "CLIENT_REQUEST",
    })
  })

  it("a BinaryStarClient fails over to the backup after 1 s and a 2 s settle, and stays there", async () => {
    const { primary, backup, clocks, endpoints } = await settledPair()
    const clock = new ManualClock()
    const client = keep(
      new BinaryStarClient([endpoints.primary.frontend, endpoints.backup.frontend], { clock }),
    )
    assert.deepEqual((await client.request("one")).map(String), ["one by primary"])

    await kill(primary, backup)
    clocks.backup.advance(EXPIRY)
    assert.equal(log.ofType("peer-expired").length, 1)

    const timeoutArmed = clock.untilTimer(1_000)
    const reply = client.request("two")
    await timeoutArmed
    const settleArmed = clock.untilTimer(2_000)
    clock.advance(1_000) // no reply from the primary
    await settleArmed
    assert.deepEqual(log.ofType("client-failover"), [
      {
        type: "client-failover",
        from: endpoints.primary.frontend,
        to: endpoints.backup.frontend,
        attempt: 1,
      },
    ])
    clock.advance(2_000)
    assert.deepEqual((await reply).map(String), ["two by backup"])
    assert.equal(backup.state, "ACTIVE")
    assert.equal(client.current, endpoints.backup.frontend)
    assert.deepEqual((await client.request("three")).map(String), ["three by backup"])
    assert.equal(log.ofType("client-failover").length, 1, "straight to the backup")
  })

  it("a client with a retry budget gives up with EAGAIN when neither server answers", async () => {
    const [a, b] = await freePorts(2)
    const clock = new ManualClock()
    const client = keep(new BinaryStarClient([local(a!), local(b!)], { clock, retries: 1 }))
    const armed = clock.untilTimer(1_000)
    const reply = client.request("anyone?")
    await armed
    const settle = clock.untilTimer(2_000)
    clock.advance(1_000)
    await settle
    const second = clock.untilTimer(1_000)
    clock.advance(2_000)
    await second
    clock.advance(1_000)
    await assert.rejects(reply, (err: Error & { code?: string }) => err.code === "EAGAIN")
    assert.deepEqual(log.ofType("client-abandon"), [{ type: "client-abandon", attempts: 2 }])
  })

  it("a client's request rejects at once on close() (EBADF) or an abort, while waiting or settling", async () => {
    const [a, b] = await freePorts(2)
    const endpoints: [string, string] = [local(a!), local(b!)]
    const isBadf = (err: Error & { code?: string }) => err.code === "EBADF"
    for (const during of ["reply", "settle"] as const) {
      for (const how of ["close", "abort"] as const) {
        const clock = new ManualClock()
        const client = keep(new BinaryStarClient(endpoints, { clock }))
        const controller = new AbortController()
        const waiting = clock.untilTimer(1_000)
        const reply = client.request("x", { signal: controller.signal })
        await waiting
        if (during === "settle") {
          const settling = clock.untilTimer(2_000)
          clock.advance(1_000)
          await settling
        }
        if (how === "close") client.close()
        else controller.abort(new Error("stop"))
        await assert.rejects(reply, how === "close" ? isBadf : /stop/, `${how} during ${during}`)
        assert.equal(clock.pending, 0, `no timer left (${how} during ${during})`)
        client.close()
      }
    }
  })

  it("recovery is manual: a restarted primary comes back PASSIVE and the backup stays ACTIVE", async () => {
    const { primary, backup, clocks, endpoints, start } = await settledPair()
    await kill(primary, backup)
    clocks.backup.advance(EXPIRY)
    const toBackup = rawClient(endpoints.backup.frontend)
    await toBackup.send("vote")
    assert.deepEqual(await toBackup.reply(), ["", "vote by backup"])

    const passive = log.next(changed("primary", "PASSIVE"))
    const restarted = await start("primary")
    assert.deepEqual(await passive, {
      type: "state",
      role: "primary",
      from: "PRIMARY",
      to: "PASSIVE",
      event: "PEER_ACTIVE",
    })
    assert.equal(backup.state, "ACTIVE")
    const toPrimary = rawClient(endpoints.primary.frontend)
    const rejected = log.next(from("primary", "request-rejected"))
    await toPrimary.send("back?")
    assert.deepEqual(await rejected, {
      type: "request-rejected",
      role: "primary",
      state: "PASSIVE",
    })
    await toBackup.send("still you")
    assert.deepEqual(await toBackup.reply(), ["", "still you by backup"])
    assert.equal(restarted.state, "PASSIVE")
    assert.equal(log.ofType("fatal").length, 0)
  })

  it("split brain: a backup that lost sight of a live primary takes a vote; the primary hears a second ACTIVE and stops", async () => {
    const { primary, backup, clocks, endpoints } = await settledPair()
    const toBackup = rawClient(endpoints.backup.frontend)
    // The primary's clock stands still: it sends no heartbeat, as if cut off. A state message
    // of its own still on its way when the clock moves re-arms the expiry: then move it again.
    let outcome: BinaryStarEvent
    do {
      clocks.backup.advance(EXPIRY)
      const next = log.next(
        (e) => "role" in e && e.role === "backup" && /failover|rejected/.test(e.type),
      )
      await toBackup.send("vote")
      outcome = await next
    } while (outcome.type !== "failover")
    assert.equal(await primary.stopped, "split-brain")
    assert.deepEqual(log.ofType("fatal"), [
      { type: "fatal", role: "primary", state: "ACTIVE", reason: "split-brain" },
    ])
    assert.equal(backup.state, "ACTIVE")
    assert.deepEqual(await toBackup.reply(), ["", "vote by backup"])
  })

  describe("against a peer the test plays (an XPUB sending states by hand)", () => {
    async function withFakePeer() {
      const peer = keep(new XPublisher({ linger: 0 }))
      await peer.bind("tcp://127.0.0.1:*")
      const server = keep(
        await BinaryStarServer.start(
          {
            role: "primary",
            frontend: "tcp://127.0.0.1:*",
            statePub: "tcp://127.0.0.1:*",
            stateSub: peer.lastEndpoint!,
            clock: new ManualClock(),
          },
          (body) => body,
        ),
      )
      assert.deepEqual([...(await peer.receive())[0]!], [1], "the server subscribed")
      return { peer, server }
    }

    it("ACTIVE hearing ACTIVE is a split brain: fatal, the server stops", async () => {
      const { peer, server } = await withFakePeer()
      const active = log.next(changed("primary", "ACTIVE"))
      await peer.send("2")
      await active
      await peer.send("3")
      assert.equal(await server.stopped, "split-brain")
      assert.deepEqual(log.ofType("fatal"), [
        { type: "fatal", role: "primary", state: "ACTIVE", reason: "split-brain" },
      ])
    })

    it("PASSIVE hearing PASSIVE: fatal, the server stops", async () => {
      const { peer, server } = await withFakePeer()
      const passive = log.next(changed("primary", "PASSIVE"))
      await peer.send("3")
      await passive
      await peer.send("4")
      assert.equal(await server.stopped, "dual-passive")
      assert.deepEqual(log.ofType("fatal"), [
        { type: "fatal", role: "primary", state: "PASSIVE", reason: "dual-passive" },
      ])
    })

    it("a state that is not one of the four is reported and ignored", async () => {
      const { peer, server } = await withFakePeer()
      const malformed = log.next("malformed")
      await peer.send("7")
      assert.deepEqual(await malformed, { type: "malformed", role: "primary" })
      const active = log.next(changed("primary", "ACTIVE"))
      await peer.send("2")
      await active
      assert.equal(server.state, "ACTIVE")
      server.close()
      assert.equal(await server.stopped, "closed")
    })
  })

  it("a handler that throws sends no reply; the server goes on", async () => {
    const [f, s] = await freePorts(2)
    let fail = true
    const server = keep(
      await BinaryStarServer.start(
        {
          role: "primary",
          frontend: local(f!),
          statePub: "tcp://127.0.0.1:*",
          stateSub: local(s!),
          clock: new ManualClock(),
        },
        ([body]) => {
          if (fail) throw new Error("boom")
          return `${String(body)} ok`
        },
      ),
    )
    const client = rawClient(local(f!))
    const failed = log.next("handler-failed")
    await client.send("first")
    const event = await failed
    assert.equal(event.type === "handler-failed" && (event.error as Error).message, "boom")
    fail = false
    await client.send("second")
    assert.deepEqual(await client.reply(), ["", "second ok"], "no reply to the first")
    assert.equal(server.state, "PRIMARY")
  })

  it("options are checked", async () => {
    const base = {
      frontend: "tcp://127.0.0.1:*",
      statePub: "tcp://127.0.0.1:*",
      stateSub: "tcp://127.0.0.1:1",
    }
    await assert.rejects(
      BinaryStarServer.start({ ...base, role: "tertiary" as BinaryStarRole }, (b) => b),
      TypeError,
    )
    await assert.rejects(
      BinaryStarServer.start({ ...base, role: "primary", heartbeat: 0 }, (b) => b),
      (err: Error & { code?: string }) => err.code === "EINVAL",
    )
    assert.throws(
      () => new BinaryStarClient(["tcp://127.0.0.1:1"] as unknown as [string, string]),
      (err: Error & { code?: string }) => err.code === "EINVAL",
    )
    assert.throws(
      () => new BinaryStarClient(["tcp://127.0.0.1:1", "tcp://127.0.0.1:2"], { settle: -1 }),
      (err: Error & { code?: string }) => err.code === "EINVAL",
    )
  })
})
