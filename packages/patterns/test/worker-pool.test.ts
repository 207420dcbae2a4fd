// The worker pool: a request handler run on piscina threads behind Majordomo and Paranoid Pirate
// workers. Frames cross intact; errors come back; N workers share N threads; and, on the real
// clock, a worker whose CPU-bound handler runs in-thread is expired by its broker (its heartbeats
// stop), while the same handler on the pool keeps the worker alive and answers; and heartbeats
// counted while a handler runs: none in-thread, one every interval on the pool.
import { strict as assert } from "node:assert"
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { afterEach, beforeEach, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { threadId } from "node:worker_threads"
import { Router } from "omq"
import {
  LazyPirateClient,
  MajordomoBroker,
  MajordomoClient,
  type MajordomoEvent,
  ParanoidPirateQueue,
  PPP_HEARTBEAT,
  PPP_READY,
  WorkerPool,
  type WorkerPoolEvent,
} from "../src/mod.js"
import { EventLog } from "./event-log.js"
import { ManualClock } from "./manual-clock.js"

const HANDLER = new URL("./fixtures/pool-handler.js", import.meta.url)
const BUSY_WORKER = fileURLToPath(new URL("./fixtures/busy-worker.js", import.meta.url))

describe("WorkerPool", () => {
  const pools: WorkerPool[] = []
  const closers: Array<{ close(): void }> = []
  const keep = <T extends { close(): void }>(c: T): T => {
    closers.push(c)
    return c
  }
  const pool = (threads: number, name?: string): WorkerPool => {
    const p = new WorkerPool(HANDLER, { threads, ...(name ? { name } : {}) })
    pools.push(p)
    return p
  }
  const events = new EventLog<WorkerPoolEvent>("omq:patterns:worker-pool")
  beforeEach(() => events.start())
  afterEach(async () => {
    events.stop()
    for (const c of closers.splice(0).reverse()) c.close()
    await Promise.all(pools.splice(0).map((p) => p.close()))
  })

  it("runs the handler on a pool thread; every frame crosses intact, empty and large ones too", async () => {
    const large = Buffer.alloc(1 << 20)
    for (let i = 0; i < large.length; i++) large[i] = (i * 7) & 0xff
    // Views into one allocation, as a socket delivers them: each must come back alone.
    const shared = Buffer.from("abcdefgh")
    const request = [Buffer.from("echo"), shared.subarray(2, 4), Buffer.alloc(0), large]
    const reply = await pool(1).handler(request)
    assert.equal(reply.length, 3)
    assert.equal(String(reply[0]), "cd")
    assert.equal(reply[1]!.byteLength, 0)
    assert.ok(reply[2]!.equals(large))
    // The caller's frames are untouched (copied into the packed buffer, not moved).
    assert.equal(String(shared), "abcdefgh")
    assert.equal(large.byteLength, 1 << 20)

    const [tag, thread] = await pools[0]!.handler([
      Buffer.from("busy"),
      Buffer.from("0"),
      Buffer.from("t"),
    ])
    assert.equal(String(tag), "t")
    assert.notEqual(String(thread), String(threadId), "answered on the caller's thread")
  })

  it("calls the export named by `name`", async () => {
    const reply = await pool(1, "shout").handler([Buffer.from("quiet"), Buffer.from("please")])
    assert.deepEqual(reply.map(String), ["QUIET", "PLEASE"])
  })

  it("a handler that throws rejects with its message, published as task-failed", async () => {
    await assert.rejects(pool(1).handler([Buffer.from("throw"), Buffer.from("no luck")]), /no luck/)
    assert.deepEqual(
      events.ofType("task-failed").map((e) => e.reason),
      ["no luck"],
    )
  })

  it("a module without the export rejects each request, saying which", async () => {
    const p = pool(1, "missing")
    await assert.rejects(p.handler([Buffer.from("echo")]), /no function export named "missing"/)
    await assert.rejects(p.handler([Buffer.from("echo")]), /no function export named "missing"/)
  })

  it("requests at once run on different threads", async () => {
    const p = pool(2)
    const threads = new Set<string>()
    // Two 100 ms handlers at a time, until both threads have answered (a thread still starting
    // leaves both to the other, so this may take a round or two).
    for (let round = 0; round < 20 && threads.size < 2; round++) {
      const replies = await Promise.all(
        ["a", "b"].map((tag) =>
          p.handler([Buffer.from("busy"), Buffer.from("100"), Buffer.from(tag)]),
        ),
      )
      for (const [, thread] of replies) threads.add(String(thread))
    }
    assert.equal(threads.size, 2)
    assert.equal(p.threads, 2)
  })

  it("serveMajordomo: one worker per thread, every concurrent client answered, by both threads", async () => {
    const broker = keep(
      await MajordomoBroker.bind("tcp://127.0.0.1:*", { clock: new ManualClock() }),
    )
    const endpoint = broker.socket.lastEndpoint!
    const p = pool(2)
    const workers = p.serveMajordomo(endpoint, "busy", { clock: new ManualClock() })
    assert.equal(workers.length, 2)
    const clients = [1, 2, 3, 4, 5, 6].map(() =>
      keep(new MajordomoClient(endpoint, { clock: new ManualClock() })),
    )
    const threads = new Set<string>()
    for (let round = 0; round < 10 && threads.size < 2; round++) {
      const replies = await Promise.all(
        clients.map((c, i) => c.request("busy", ["busy", "50", `${round}.${i}`])),
      )
      replies.forEach(([tag, thread], i) => {
        assert.equal(String(tag), `${round}.${i}`)
        threads.add(String(thread))
      })
    }
    assert.equal(threads.size, 2)
  })

  it("serveParanoidPirate: workers answer through the queue", async () => {
    const clock = new ManualClock()
    const queue = keep(
      await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", { clock }),
    )
    const workers = pool(2).serveParanoidPirate(queue.backend.lastEndpoint!, {
      workers: 3,
      clock: new ManualClock(),
    })
    assert.equal(workers.length, 3)
    const client = keep(
      new LazyPirateClient(queue.frontend.lastEndpoint!, { clock: new ManualClock() }),
    )
    for (let i = 0; i < 5; i++) {
      assert.deepEqual((await client.request(["echo", `${i}`, ""])).map(String), [`${i}`, ""])
    }
  })

  it("close() closes its workers (DISCONNECT to the broker) and ends the threads; later calls reject EBADF", async () => {
    const broker = keep(
      await MajordomoBroker.bind("tcp://127.0.0.1:*", { clock: new ManualClock() }),
    )
    const md = new EventLog<MajordomoEvent>("omq:patterns:majordomo")
    md.start()
    try {
      const p = pool(1)
      p.serveMajordomo(broker.socket.lastEndpoint!, "echo", { clock: new ManualClock() })
      await md.next("worker-ready")
      const gone = md.next("worker-disconnected")
      const closed = p.close()
      assert.equal(p.close(), closed, "close() twice is the same close")
      await closed
      assert.equal((await gone).type, "worker-disconnected")
      await assert.rejects(p.handler([Buffer.from("echo")]), { code: "EBADF" })
      assert.throws(() => p.serveMajordomo(broker.socket.lastEndpoint!, "echo"), { code: "EBADF" })
    } finally {
      md.stop()
    }
  })

  it("rejects a thread or worker count that is not a whole number from 1", () => {
    assert.throws(() => new WorkerPool(HANDLER, { threads: 0 }), { code: "EINVAL" })
    assert.throws(() => pool(1).serveParanoidPirate("tcp://127.0.0.1:1", { workers: 1.5 }), {
      code: "EINVAL",
    })
  })
})

// Real time from here: heartbeats are what is tested, so the worker runs in a process of its
// own (test/fixtures/busy-worker.ts), its handler spinning the CPU for BUSY ms of real time.
// Its heartbeats go every HEARTBEAT ms; a broker takes it for dead after LIVENESS silent ones,
// a tolerance wide enough for a loaded machine's scheduling stalls, and BUSY is twice that.
const HEARTBEAT = 100
const LIVENESS = 10
const BUSY = 2_000

describe("WorkerPool: a busy worker keeps its heartbeats (real clock)", () => {
  const children: ChildProcess[] = []
  const closers: Array<{ close(): void }> = []
  const keep = <T extends { close(): void }>(c: T): T => {
    closers.push(c)
    return c
  }
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) c.close()
    await Promise.all(
      children.splice(0).map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = once(child, "exit")
        child.kill("SIGTERM")
        const [code] = await exited
        assert.equal(code, 0, "the worker process exits on its own once closed")
      }),
    )
  })
  const startWorker = (pattern: "md" | "pp", mode: "inline" | "pool", endpoint: string): void => {
    const args = [pattern, mode, endpoint, String(HEARTBEAT), String(LIVENESS)]
    children.push(spawn(process.execPath, [BUSY_WORKER, ...args], { stdio: "inherit" }))
  }

  describe("Majordomo, through a broker that beats every HEARTBEAT ms", () => {
    const log = new EventLog<MajordomoEvent>("omq:patterns:majordomo")
    beforeEach(() => log.start())
    afterEach(() => log.stop())

    /** A broker, a worker that has answered once (past its start-up), and a client. */
    const serving = async (mode: "inline" | "pool") => {
      const broker = keep(
        await MajordomoBroker.bind("tcp://127.0.0.1:*", {
          heartbeat: HEARTBEAT,
          liveness: LIVENESS,
        }),
      )
      const endpoint = broker.socket.lastEndpoint!
      startWorker("md", mode, endpoint)
      const client = keep(new MajordomoClient(endpoint, { timeout: 20_000, retries: 0 }))
      await client.request("busy", ["busy", "0", "warm-up"])
      const ready = log.ofType("worker-ready").at(-1)!
      return { broker, client, worker: ready.worker, since: log.events.length }
    }

    it("in-thread: the broker expires the worker mid-handler, and drops its late reply", async () => {
      const { client, worker } = await serving("inline")
      let answered = false
      client.request("busy", ["busy", String(BUSY), "in-thread"]).then(
        () => (answered = true),
        () => {}, // rejected by close() below
      )
      const expired = await log.next("worker-expired")
      assert.equal((expired as { worker: string }).worker, worker)
      // The handler ends, its REPLY comes from a worker the broker forgot: DISCONNECT, no reply.
      await log.next((e) => e.type === "worker-disconnected" && /REPLY without/.test(e.reason))
      assert.equal(answered, false)
    })

    it("on the pool: heartbeats go on, the worker stays and answers", async () => {
      const { broker, client, since } = await serving("pool")
      const started = performance.now()
      const [tag, thread] = await client.request("busy", ["busy", String(BUSY), "pooled"])
      assert.ok(performance.now() - started >= BUSY, "the handler was busy BUSY ms")
      assert.equal(String(tag), "pooled")
      assert.notEqual(String(thread), "0", "answered on a pool thread")
      const lost = log.events.slice(since).filter((e) => /expired|disconnected/.test(e.type))
      assert.deepEqual(lost, [])
      assert.equal(broker.workers, 1)
    })
  })

  describe("Paranoid Pirate, heartbeats counted at a bare ROUTER while the handler runs", () => {
    // 8 heartbeats' time; under the worker's LIVENESS × HEARTBEAT, as it must be: a Paranoid
    // Pirate worker does not read its socket while its handler runs, so the bare ROUTER's
    // silence (it sends no heartbeats) would make it drop the connection after that long.
    const PP_BUSY = 800

    /** Heartbeats that reach the queue's side between a request and its reply. */
    const beatsDuring = async (
      mode: "inline" | "pool",
    ): Promise<{ beats: number; reply: string[] }> => {
      const queue = keep(new Router({ linger: 0 }))
      await queue.bind("tcp://127.0.0.1:*")
      startWorker("pp", mode, queue.lastEndpoint!)
      const [id, ready] = await queue.receive()
      assert.equal(ready![0], PPP_READY[0])
      const ask = async (ms: number, tag: string) => {
        await queue.send([id!, "client", "", "busy", String(ms), tag])
        for (let beats = 0; ; ) {
          const [, ...frames] = await queue.receive()
          if (frames.length === 1 && frames[0]![0] === PPP_HEARTBEAT[0]) beats++
          else return { beats, reply: frames.slice(2).map(String) }
        }
      }
      await ask(0, "warm-up") // past the worker's start-up
      return ask(PP_BUSY, mode)
    }

    it("in-thread: none while the handler runs (one at most, sent before it started)", async (t) => {
      const { beats, reply } = await beatsDuring("inline")
      t.diagnostic(`${beats} heartbeats in ${PP_BUSY} ms`)
      assert.deepEqual(reply, ["inline", "0"])
      assert.ok(beats <= 1, `${beats} heartbeats`)
    })

    it("on the pool: they go on while the handler runs", async (t) => {
      const { beats, reply } = await beatsDuring("pool")
      t.diagnostic(`${beats} heartbeats in ${PP_BUSY} ms`)
      assert.equal(reply[0], "pool")
      assert.notEqual(reply[1], "0", "answered on a pool thread")
      assert.ok(beats >= 3, `${beats} heartbeats in ${PP_BUSY} ms`)
    })
  })
})
