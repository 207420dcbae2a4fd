// Thread-safe socket types shared between threads (libzmq's thread-safe types, in JavaScript):
// a socket made on the main thread is attached to by worker threads of the same context; any of
// them sends, and each received message goes to exactly one waiting receive() of one thread.
import { strict as assert } from "node:assert"
import { once } from "node:events"
import { afterEach, it } from "node:test"
import { Worker } from "node:worker_threads"
import { type Context, Push } from "omq"
import {
  attachShared,
  Client,
  Dish,
  Gather,
  Radio,
  Scatter,
  Server,
  type SharedSocketHandle,
} from "omq/draft"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"

const WORKER = new URL("./fixtures/shared-worker.js", import.meta.url)

/** Starts a worker of `role` on `handle`; resolves once it has attached. */
async function startWorker(
  handle: SharedSocketHandle,
  role: string,
  extra: Record<string, unknown> = {},
): Promise<{
  worker: Worker
  messages: string[]
  done: Promise<{ count: number }>
  exited: Promise<unknown>
}> {
  const worker = new Worker(WORKER, { workerData: { handle, role, ...extra } })
  // Listened for from the start: a worker may exit while the test still awaits another's news.
  const exited = once(worker, "exit")
  const messages: string[] = []
  let ready!: () => void
  const readyP = new Promise<void>((resolve) => {
    ready = resolve
  })
  const done = new Promise<{ count: number }>((resolve, reject) => {
    worker.on("message", (m: unknown) => {
      if (m === "ready") ready()
      else if (typeof m === "string") messages.push(m)
      else resolve(m as { count: number })
    })
    worker.once("error", reject)
  })
  await readyP
  return { worker, messages, done, exited }
}

forEachIoThreads("sockets shared between threads", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(async () => {
    await sockets.closeAll()
  })
  const options = { context: ctx, linger: 0 }

  it("a SERVER on tcp served by 4 worker threads: every request answered once, by several", async () => {
    const server = sockets.add(new Server(options))
    await server.bind("tcp://127.0.0.1:*")
    const workers = await Promise.all([1, 2, 3, 4].map(() => startWorker(server.share(), "server")))
    const client = sockets.add(new Client(options))
    client.connect(server.lastEndpoint!)
    const total = 40
    for (let i = 0; i < total; i++) await client.send(`r${i}`)
    const answers = new Map<string, string>()
    for (let i = 0; i < total; i++) {
      const [reply] = await client.receive()
      const [request, thread] = String(reply).split(" by ")
      assert.equal(answers.has(request!), false, `${request} answered twice`)
      answers.set(request!, thread!)
    }
    assert.equal(answers.size, total)
    assert.ok(new Set(answers.values()).size >= 2, "the requests were shared among the threads")
    server.close() // the workers' for-await loops end
    const counts = await Promise.all(workers.map((w) => w.done))
    assert.equal(
      counts.reduce((n, c) => n + c.count, 0),
      total,
    )
    await Promise.all(workers.map((w) => w.exited))
  })

  it("a GATHER's messages go each to one waiting thread; a RADIO sends from other threads", async () => {
    const gather = sockets.add(new Gather(options))
    await gather.bind("inproc://shared-gather")
    const scatter = sockets.add(new Scatter(options))
    scatter.connect("inproc://shared-gather")
    const workers = await Promise.all([1, 2].map(() => startWorker(gather.share(), "gather")))
    for (let i = 0; i < 20; i++) await scatter.send(`m${i}`)
    const radio = sockets.add(new Radio(options))
    await radio.bind("inproc://shared-radio")
    const dish = sockets.add(new Dish(options))
    dish.join("g")
    dish.connect("inproc://shared-radio")
    // The dish's JOIN must be at the radio before the workers send (RADIO drops otherwise).
    const first = dish.receive()
    let joined = false
    void first.then(() => {
      joined = true
    })
    while (!joined) {
      await radio.send("probe", { group: "g" })
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const senders = await Promise.all(
      [1, 2].map(() => startWorker(radio.share(), "radio", { count: 10 })),
    )
    await Promise.all(senders.map((s) => s.done))
    const fromWorkers: string[] = []
    while (fromWorkers.length < 20) {
      const [m] = await dish.receive()
      if (String(m) !== "probe") fromWorkers.push(String(m))
    }
    assert.equal(new Set(fromWorkers).size, 20)
    gather.close()
    await Promise.all(workers.map((w) => w.done))
    const received = workers.flatMap((w) => w.messages).sort()
    assert.deepEqual(received, Array.from({ length: 20 }, (_, i) => `m${i}`).sort())
  })

  it("an attached thread's errors are the socket's: EHOSTUNREACH, EINVAL", async () => {
    const server = sockets.add(new Server(options))
    await server.bind("inproc://shared-errors")
    // Attaching from the socket's own thread works too.
    const here = await attachShared(server.share())
    await assert.rejects(here.send("x", { routingId: 12345 }), { code: "EHOSTUNREACH" })
    // @ts-expect-error a SERVER sends single frames: the run-time check answers JavaScript
    await assert.rejects(here.send(["a", "b"], { routingId: 1 }), { code: "EINVAL" })
    here.close()
  })

  it("readAhead: messages taken ahead of receive() arrive whole and in order", async () => {
    const gather = sockets.add(new Gather(options))
    await gather.bind("inproc://shared-read-ahead")
    const scatter = sockets.add(new Scatter(options))
    scatter.connect("inproc://shared-read-ahead")
    const ahead = await attachShared(gather.share(), { readAhead: 2 })
    for (let i = 0; i < 5; i++) await scatter.send(`m${i}`)
    const got: string[] = []
    for (let i = 0; i < 5; i++) got.push(String((await ahead.receive())[0]))
    assert.deepEqual(got, ["m0", "m1", "m2", "m3", "m4"])
    ahead.close()
    await assert.rejects(attachShared(gather.share(), { readAhead: -1 }), { code: "EINVAL" })
  })

  it("messages handed to a thread that closes its side come back to the socket: none is lost", async () => {
    const gather = sockets.add(new Gather(options))
    await gather.bind("inproc://shared-give-back")
    const scatter = sockets.add(new Scatter(options))
    scatter.connect("inproc://shared-give-back")
    for (const m of ["m0", "m1", "m2"]) await scatter.send(m)
    // A receive() made and abandoned at once, and two messages taken ahead: none may be lost.
    const side = await attachShared(gather.share(), { readAhead: 2 })
    const abandoned = side.receive().then(
      () => "taken",
      (err: { code: string }) => err.code,
    )
    side.close()
    assert.equal(await abandoned, "EAGAIN")
    await side.finished
    // Which come first depends on whether the given-back ones are back yet (as with any
    // messages spread over several receiving threads, their order across threads is not kept).
    const got: string[] = []
    for (let i = 0; i < 3; i++) got.push(String((await gather.receive())[0]))
    assert.deepEqual(got.sort(), ["m0", "m1", "m2"])
  })

  it("classic types cannot be shared or attached to: EINVAL", async () => {
    const push = sockets.add(new Push(options))
    assert.throws(() => (push as unknown as Server).share(), { code: "EINVAL" })
    const handle = { ...sockets.add(new Server(options)).share(), type: "PUSH" as const }
    await assert.rejects(attachShared(handle), { code: "EINVAL" })
  })
})
