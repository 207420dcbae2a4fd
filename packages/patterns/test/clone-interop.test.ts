// Clone (RFC 12, CHP) against a peer written from the RFC text alone on libzmq 4.3.4 (Debian's
// python3-zmq, run with /usr/bin/python3): test/peers/clone_peer.py. omq's client against its
// server, and its client against omq's server. The peer speaks JSON lines on stdout/stdin.
import { strict as assert } from "node:assert"
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { afterEach, beforeEach, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { type CloneChange, CloneClient, type CloneEvent, CloneServer } from "../src/mod.js"
import { EventLog } from "./event-log.js"
import { ManualClock } from "./manual-clock.js"

const PEER = fileURLToPath(new URL("../../test/peers/clone_peer.py", import.meta.url))

// biome-ignore lint/suspicious/noExplicitAny: the peer's JSON lines
type Line = Record<string, any>

/** The Python peer: its stdout lines as JSON, awaited by predicate; commands on its stdin. */
class Peer {
  readonly #child: ChildProcess
  readonly #lines: Line[] = []
  #waiters: Array<{ want: (l: Line) => boolean; resolve: (l: Line) => void }> = []

  constructor(args: string[]) {
    this.#child = spawn("/usr/bin/python3", [PEER, ...args], { stdio: ["pipe", "pipe", "inherit"] })
    createInterface({ input: this.#child.stdout! }).on("line", (text) => {
      const line = JSON.parse(text) as Line
      const waiter = this.#waiters.find((w) => w.want(line))
      if (!waiter) return void this.#lines.push(line)
      this.#waiters = this.#waiters.filter((w) => w !== waiter)
      waiter.resolve(line)
    })
  }

  /** The first line matching `want` not yet taken (printed already, or the next one). */
  next(want: (l: Line) => boolean): Promise<Line> {
    const index = this.#lines.findIndex(want)
    if (index >= 0) return Promise.resolve(this.#lines.splice(index, 1)[0]!)
    return new Promise((resolve) => this.#waiters.push({ want, resolve }))
  }

  send(command: Line): void {
    this.#child.stdin!.write(`${JSON.stringify(command)}\n`)
  }

  /** Closing its stdin ends it. */
  close(): void {
    this.#child.stdin!.end()
  }
}

const nextChange = (client: CloneClient, key: string): Promise<CloneChange> =>
  new Promise((resolve) => {
    const listener = (change: CloneChange): void => {
      if (change.key !== key) return
      client.off("change", listener)
      resolve(change)
    }
    client.on("change", listener)
  })

describe("Clone interop with an RFC 12 peer on libzmq (python3-zmq)", { timeout: 20_000 }, () => {
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

  it("omq's client against the peer's server: subtree snapshot, sets, a delete, a ttl, HUGZ", async () => {
    const peer = keep(new Peer(["server", "--hugz", "200", "/a/x=1", "/a/y=2", "/b/z=3"]))
    const { port } = await peer.next((l) => "port" in l)
    const clock = new ManualClock()
    const client = keep(new CloneClient([`tcp://127.0.0.1:${port}`], { subtree: "/a/", clock }))
    await client.connect()
    assert.deepEqual(
      [...client].map(([k, v]) => [k, String(v)]),
      [
        ["/a/x", "1"],
        ["/a/y", "2"],
      ],
    )
    assert.equal(client.sequence, 3n, "KTHXBAI's sequence (the seeded keys count)")
    await client.set("/a/new", "v", { properties: { by: "omq" } })
    assert.deepEqual([String(client.get("/a/new")), client.entry("/a/new")?.sequence], ["v", 4n])
    assert.deepEqual(client.entry("/a/new")?.properties, { by: "omq" })
    await client.delete("/a/x")
    assert.equal(client.has("/a/x"), false)
    await client.set("/a/tmp", "soon gone", { ttl: 0.2 })
    const expired = nextChange(client, "/a/tmp")
    assert.deepEqual(await peer.next((l) => "expired" in l), { expired: "/a/tmp" })
    assert.equal((await expired).value, null)
    // Quiet now: what re-arms the silence timer is the peer's HUGZ (sequence 0).
    await clock.untilTimer(5_000)
    assert.deepEqual(
      [...client].map(([k, v]) => [k, String(v)]),
      [
        ["/a/y", "2"],
        ["/a/new", "v"],
      ],
    )
    assert.deepEqual(log.ofType("malformed"), [])
    assert.deepEqual(log.ofType("discarded"), [])
  })

  it("the peer's client against omq's server: subtree snapshot, updates, its sets and a ttl", async () => {
    const clock = new ManualClock()
    const server = keep(await CloneServer.bind("tcp://127.0.0.1:0", { clock }))
    server.set("/a/x", "1")
    server.set("/b/y", "2")
    const peer = keep(new Peer(["client", String(server.port), "/a/"]))
    assert.deepEqual(await peer.next((l) => "snapshot" in l), {
      snapshot: { "/a/x": "1" },
      sequence: 2,
    })
    server.set("/b/hidden", "not in /a/")
    server.set("/a/z", "3")
    const update = await peer.next((l) => "update" in l)
    assert.deepEqual([update.update, update.sequence, update.value], ["/a/z", 4, "3"])
    const applied = log.next((e) => e.type === "update" && e.key === "/a/py")
    peer.send({ set: "/a/py", value: "from python" })
    const { sent } = await peer.next((l) => "sent" in l)
    await applied
    assert.equal(String(server.get("/a/py")?.value), "from python")
    assert.equal(server.get("/a/py")?.uuid.toString("hex"), sent, "the KVSET's uuid is kept")
    const echo = await peer.next((l) => l.update === "/a/py")
    assert.deepEqual([echo.sequence, echo.uuid], [5, sent])
    const tmp = log.next((e) => e.type === "update" && e.key === "/a/tmp")
    peer.send({ set: "/a/tmp", value: "t", ttl: "1" })
    await tmp
    await peer.next((l) => l.update === "/a/tmp" && l.value === "t")
    clock.advance(1_000) // the ttl runs out; the server has been idle, so HUGZ goes too
    assert.deepEqual(await peer.next((l) => l.update === "/a/tmp" && l.value === ""), {
      update: "/a/tmp",
      sequence: 7,
      value: "",
      uuid: "",
      properties: {},
    })
    assert.deepEqual(
      log.ofType("expired").map((e) => e.key),
      ["/a/tmp"],
    )
    clock.advance(1_000)
    assert.deepEqual(await peer.next((l) => "hugz" in l), { hugz: 0 })
    assert.equal(server.get("/a/tmp"), undefined)
  })
})
