// Titanic (RFC 9, TSP) over a real Majordomo broker on tcp, with real files in a temporary
// directory. Every party has its own ManualClock, so no heartbeat, expiry or Lazy Pirate timeout
// fires unless a test says so; the Titanic server's retry walk (1 s) fires only on advance().
// The tests wait on the broker's and Titanic's events, never on time.
import { strict as assert } from "node:assert"
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, afterEach, before, beforeEach, describe, it } from "node:test"
import { ZmqError } from "omq"
import {
  FileTitanicStore,
  MajordomoBroker,
  MajordomoClient,
  type MajordomoEvent,
  MajordomoWorker,
  MemoryTitanicStore,
  TitanicClient,
  type TitanicEvent,
  TitanicServer,
  type TitanicStore,
} from "../src/mod.js"
import { decode, encode } from "../src/titanic-file-store.js"
import { EventLog } from "./event-log.js"
import { ManualClock } from "./manual-clock.js"

const RETRY = 1_000
const HEX32 = /^[0-9a-f]{32}$/
const text = (frames: Buffer[]) => frames.map(String)
const TITANIC_SERVICES = ["titanic.request", "titanic.reply", "titanic.close"]

describe("Titanic (RFC 9)", { timeout: 20_000 }, () => {
  const titanicLog = new EventLog<TitanicEvent>("omq:patterns:titanic")
  const brokerLog = new EventLog<MajordomoEvent>("omq:patterns:majordomo")
  const closers: Array<() => unknown> = []
  const keep = <T>(thing: T, close: (t: T) => unknown): T => {
    closers.push(() => close(thing))
    return thing
  }
  let root: string
  let broker: MajordomoBroker
  let endpoint: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "omq-titanic-"))
  })
  after(async () => {
    await rm(root, { recursive: true, force: true })
  })
  beforeEach(async () => {
    titanicLog.start()
    brokerLog.start()
    broker = keep(
      await MajordomoBroker.bind("tcp://127.0.0.1:*", { clock: new ManualClock() }),
      (b) => b.close(),
    )
    endpoint = broker.socket.lastEndpoint!
  })
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
    titanicLog.stop()
    brokerLog.stop()
  })

  let directories = 0
  const directory = () => join(root, `store-${++directories}`)
  const ready = (service: string) =>
    brokerLog.next((e) => e.type === "worker-ready" && e.service === service)
  /** A worker for `service`, resolved once the broker has it. */
  const worker = async (service: string, handler: (body: Buffer[]) => unknown) => {
    const registered = ready(service)
    const w = keep(
      new MajordomoWorker(endpoint, service, (body) => handler(body) as string[], {
        clock: new ManualClock(),
      }),
      (w) => w.close(),
    )
    await registered
    return w
  }
  /** A Titanic server, resolved once the broker has its three workers. */
  const titanic = async (store: TitanicStore, clock = new ManualClock()) => {
    const registered = Promise.all(TITANIC_SERVICES.map(ready))
    const server = keep(
      await TitanicServer.start(endpoint, { store, clock, worker: { clock: new ManualClock() } }),
      (s) => s.close(),
    )
    await registered
    return server
  }
  const client = () =>
    keep(new TitanicClient(endpoint, { clock: new ManualClock() }), (c) => c.dispose())
  const raw = () =>
    keep(new MajordomoClient(endpoint, { clock: new ManualClock() }), (c) => c.close())
  const titanicEvent = <T extends TitanicEvent["type"]>(type: T, uuid?: string) =>
    titanicLog.next((e) => e.type === type && (!uuid || ("uuid" in e && e.uuid === uuid)))

  it("request, reply, close end to end: the TSP frames, and the events on the way", async () => {
    await worker("echo", (body) => body)
    await titanic(new FileTitanicStore(directory()))
    const tsp = raw()
    const [status, uuid, ...rest] = text(await tsp.request("titanic.request", ["echo", "a", "b"]))
    assert.equal(status, "200")
    assert.match(uuid!, HEX32)
    assert.deepEqual(rest, [])
    await titanicEvent("replied", uuid)
    assert.deepEqual(text(await tsp.request("titanic.reply", uuid!)), ["200", "a", "b"])
    assert.deepEqual(text(await tsp.request("titanic.close", uuid!)), ["200"])
    assert.deepEqual(text(await tsp.request("titanic.reply", uuid!)), ["400"])
    const types = titanicLog.events.filter((e) => "uuid" in e && e.uuid === uuid).map((e) => e.type)
    assert.deepEqual(types, ["stored", "dispatched", "replied", "closed"])
    assert.deepEqual(titanicLog.ofType("dispatched")[0], {
      type: "dispatched",
      uuid,
      service: "echo",
      attempt: 1,
    })
  })

  it("titanic.reply is 300 while the service works, 200 once it answered", async () => {
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    await worker("slow", async (body) => {
      await gate
      return ["done", ...body.map(String)]
    })
    await titanic(new MemoryTitanicStore())
    const c = client()
    const dispatched = titanicEvent("dispatched")
    const uuid = await c.request("slow", "job")
    await dispatched
    assert.deepEqual(await c.reply(uuid), { status: "300", body: [] })
    assert.deepEqual(await c.reply(uuid), { status: "300", body: [] })
    const replied = titanicEvent("replied", uuid)
    release()
    await replied
    const reply = await c.reply(uuid)
    assert.equal(reply.status, "200")
    assert.deepEqual(text(reply.body), ["done", "job"])
  })

  it("a request for a service nobody offers stays pending, and is answered once a worker registers", async () => {
    const clock = new ManualClock()
    const server = await titanic(new FileTitanicStore(directory()), clock)
    const c = client()
    const armed = clock.untilTimer(RETRY)
    const deferred = titanicEvent("deferred")
    const uuid = await c.request("later", ["x", "y"])
    assert.equal((await deferred).type, "deferred")
    assert.equal(titanicLog.ofType("dispatched").length, 0) // mmi.service said 404: not sent
    await armed
    assert.equal(server.pending, 1)
    assert.equal((await c.reply(uuid)).status, "300")

    // A walk with still no worker: deferred again, the timer armed again.
    const again = titanicEvent("deferred", uuid)
    const rearmed = clock.untilTimer(RETRY)
    clock.advance(RETRY)
    await again
    await rearmed
    assert.deepEqual(titanicLog.ofType("retry"), [{ type: "retry", pending: 1 }])

    await worker("later", (body) => body.map((f) => String(f).toUpperCase()))
    const replied = titanicEvent("replied", uuid)
    clock.advance(RETRY)
    await replied
    assert.equal(titanicLog.ofType("retry").length, 2)
    assert.equal(server.pending, 0)
    const reply = await c.reply(uuid)
    assert.deepEqual([reply.status, ...text(reply.body)], ["200", "X", "Y"])
  })

  it("reply and close are idempotent; close of an unknown UUID is 200; reply of one is 400", async () => {
    await worker("echo", (body) => body)
    await titanic(new FileTitanicStore(directory()))
    const c = client()
    const replied = titanicEvent("replied")
    const uuid = await c.request("echo", "same")
    await replied
    for (let i = 0; i < 3; i++) {
      const reply = await c.reply(uuid)
      assert.deepEqual([reply.status, ...text(reply.body)], ["200", "same"])
    }
    await c.close(uuid)
    await c.close(uuid) // idempotent: resolves (200) again
    assert.equal((await c.reply(uuid)).status, "400")
    const unknown = "0123456789abcdef0123456789ABCDEF"
    await c.close(unknown)
    assert.equal((await c.reply(unknown)).status, "400")
    assert.equal(titanicLog.ofType("closed").length, 3)
  })

  it("call(): stores, polls every pollInterval until 200, closes, and returns the reply", async () => {
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    await worker("slow", async (body) => {
      await gate
      return body
    })
    const store = new MemoryTitanicStore()
    await titanic(store)
    const clock = new ManualClock()
    const c = keep(new TitanicClient(endpoint, { clock, pollInterval: 50 }), (c) => c.dispose())
    const polling = clock.untilTimer(50)
    const call = c.call("slow", ["one", "two"])
    await polling // titanic.reply said 300: the client waits a poll interval
    const uuid = titanicLog.ofType("stored")[0]!.uuid
    const replied = titanicEvent("replied", uuid)
    release()
    await replied
    const closed = titanicEvent("closed", uuid)
    clock.advance(50)
    assert.deepEqual(text(await call), ["one", "two"])
    await closed
    assert.equal(await store.getRequest(uuid), undefined)

    // Aborting a call rejects with the signal's reason; the request stays stored.
    const abort = new AbortController()
    const waiting = clock.untilTimer(50)
    const stuck = c.call("nobody", "x", { signal: abort.signal, pollInterval: 50 })
    await waiting
    abort.abort(new Error("enough"))
    await assert.rejects(stuck, /enough/)
    assert.deepEqual(await store.pending(), [titanicLog.ofType("stored")[1]!.uuid])
  })

  it("bad input is answered 400 (never thrown), and the server goes on serving", async () => {
    await worker("echo", (body) => body)
    const server = await titanic(new FileTitanicStore(directory()))
    const tsp = raw()
    const ask = async (service: string, frames: Array<string | Buffer>) =>
      text(await tsp.request(service, frames))
    assert.deepEqual(await ask("titanic.request", []), ["400"])
    assert.deepEqual(await ask("titanic.request", [""]), ["400"])
    assert.deepEqual(await ask("titanic.request", ["ec\nho", "x"]), ["400"])
    assert.deepEqual(await ask("titanic.request", ["x".repeat(256), "x"]), ["400"])
    assert.deepEqual(await ask("titanic.reply", []), ["400"])
    assert.deepEqual(await ask("titanic.reply", ["not-a-uuid"]), ["400"])
    assert.deepEqual(await ask("titanic.reply", ["../../../../../../etc/passwd"]), ["400"])
    assert.deepEqual(await ask("titanic.reply", ["0123456789abcdef0123456789abcdeg"]), ["400"])
    assert.deepEqual(await ask("titanic.reply", ["0123456789abcdef0123456789abcdef", "x"]), ["400"])
    assert.deepEqual(await ask("titanic.close", ["0123456789abcdef"]), ["400"])
    assert.deepEqual(await ask("titanic.close", [Buffer.from([0xff, 0, 1])]), ["400"])
    assert.equal(titanicLog.ofType("malformed").length, 11)
    assert.equal(server.pending, 0)

    // The client side: a refused request rejects EINVAL with status 400.
    const c = client()
    await assert.rejects(
      c.request("", "x"),
      (err) => err instanceof ZmqError && err.code === "EINVAL" && err.status === 400,
    )
    await assert.rejects(c.close("bad"), (err) => err instanceof ZmqError && err.status === 400)
    // And it still serves.
    const replied = titanicEvent("replied")
    const uuid = await c.request("echo", "still here")
    await replied
    assert.deepEqual(text((await c.reply(uuid)).body), ["still here"])
  })

  it("a store that fails is answered 500 (the client may retry), and served again once it works", async () => {
    await worker("echo", (body) => body)
    const path = directory()
    await titanic(new FileTitanicStore(path)) // start() read the (new) directory
    await rm(path, { recursive: true })
    await writeFile(path, "a file where the directory was")
    const tsp = raw()
    const some = "0123456789abcdef0123456789abcdef"
    assert.deepEqual(text(await tsp.request("titanic.request", ["echo", "x"])), ["500"])
    assert.deepEqual(text(await tsp.request("titanic.reply", some)), ["500"])
    assert.deepEqual(text(await tsp.request("titanic.close", some)), ["500"])
    const failed = titanicLog.ofType("store-failed").map((e) => e.service)
    assert.deepEqual(failed, ["titanic.request", "titanic.reply", "titanic.close"])
    const c = client()
    await assert.rejects(
      c.request("echo", "x"),
      (err) => err instanceof ZmqError && err.code === "EAGAIN" && err.status === 500,
    )
    assert.equal(titanicLog.ofType("stored").length, 0)

    await rm(path)
    await mkdir(path) // the operator puts the directory back
    const replied = titanicEvent("replied")
    const uuid = await c.request("echo", "back")
    await replied
    assert.deepEqual(text((await c.reply(uuid)).body), ["back"])
  })

  it("restart: a request acknowledged 200 and never dispatched is sent by the next server over the same directory", async () => {
    const path = directory()
    const first = await titanic(new FileTitanicStore(path))
    const c = client()
    const deferred = titanicEvent("deferred")
    const uuid = await c.request("restart", ["kept", Buffer.from([0, 1, 2, 255])])
    await deferred // no worker yet: stored, not sent
    await first.close()
    while (brokerLog.ofType("worker-disconnected").length < TITANIC_SERVICES.length) {
      await brokerLog.next("worker-disconnected") // the broker forgets the first server's workers
    }
    assert.equal(titanicLog.ofType("dispatched").length, 0)

    await worker("restart", (body) => ["got", ...body])
    const replied = titanicEvent("replied", uuid)
    const second = await titanic(new FileTitanicStore(path))
    await replied
    assert.equal(second.pending, 0)
    const reply = await c.reply(uuid)
    assert.equal(reply.status, "200")
    assert.deepEqual(reply.body, [
      Buffer.from("got"),
      Buffer.from("kept"),
      Buffer.from([0, 1, 2, 255]),
    ])
  })
})

describe("FileTitanicStore", () => {
  let path: string
  beforeEach(async () => {
    path = await mkdtemp(join(tmpdir(), "omq-titanic-store-"))
  })
  afterEach(async () => {
    await rm(path, { recursive: true, force: true })
  })
  const a = "01a236f8a14b7aa3bc9159b85aa447d9"
  const b = "01a236f8a14b7aa3bc9159b85aa447da"

  it("a put is on disk, whole, when it resolves; temporary files are gone", async () => {
    const store = new FileTitanicStore(join(path, "nested", "dir"))
    const body = [Buffer.from("hello"), Buffer.alloc(0), Buffer.from([0, 255])]
    await store.putRequest(a, { service: "echo", body })
    const dir = join(path, "nested", "dir")
    assert.deepEqual(await readdir(dir), [`${a}.request`])
    const onDisk = decode(await readFile(join(dir, `${a}.request`)), "request")
    assert.deepEqual(onDisk, [Buffer.from("echo"), ...body])
    await store.putReply(a, [Buffer.from("world")])
    assert.deepEqual((await readdir(dir)).sort(), [`${a}.reply`, `${a}.request`])
    assert.deepEqual(decode(await readFile(join(dir, `${a}.reply`)), "reply"), [
      Buffer.from("world"),
    ])
    // A fresh store over the same directory reads the same.
    const again = new FileTitanicStore(dir)
    assert.deepEqual(await again.getRequest(a), { service: "echo", body })
    assert.deepEqual(await again.getReply(a), [Buffer.from("world")])
  })

  it("pending() lists requests without a reply, oldest first; delete() removes both files", async () => {
    const store = new FileTitanicStore(path)
    await store.putRequest(b, { service: "s", body: [] })
    await store.putRequest(a, { service: "s", body: [] })
    assert.deepEqual(await store.pending(), [a, b])
    await store.putReply(a, [])
    assert.deepEqual(await store.pending(), [b])
    await store.delete(a)
    await store.delete(a) // nothing to delete: no error
    assert.deepEqual(await readdir(path), [`${b}.request`])
    assert.equal(await store.getRequest(a), undefined)
    assert.equal(await store.getReply(a), undefined)
  })

  it("sweeps a crash's temporary files, and refuses names that are not its UUIDs", async () => {
    await writeFile(join(path, `${a}.request.0123456789ab.tmp`), "half written")
    await writeFile(join(path, "unrelated.txt"), "left alone")
    const store = new FileTitanicStore(path)
    assert.deepEqual(await store.pending(), [])
    assert.deepEqual(await readdir(path), ["unrelated.txt"])
    for (const uuid of ["../x", a.toUpperCase(), `${a}0`]) {
      await assert.rejects(store.getReply(uuid), (err) => (err as ZmqError).code === "EINVAL")
      await assert.rejects(store.putRequest(uuid, { service: "s", body: [] }), /not a Titanic UUID/)
    }
  })

  it("a corrupt file is an error, not a wrong answer", async () => {
    const store = new FileTitanicStore(path)
    const whole = encode([Buffer.from("s"), Buffer.from("body")])
    await writeFile(join(path, `${a}.request`), whole.subarray(0, whole.byteLength - 1))
    await assert.rejects(store.getRequest(a), (err) => (err as ZmqError).code === "EPROTO")
    await writeFile(join(path, `${a}.reply`), "not TSP at all")
    await assert.rejects(store.getReply(a), /corrupt/)
  })
})
