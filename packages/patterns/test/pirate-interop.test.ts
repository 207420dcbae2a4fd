// Paranoid Pirate (RFC 6) and Lazy Pirate peers written on libzmq 4.3.4 (Debian's python3-zmq),
// from the RFC's text, in test/peers/: their worker and client served by our queue, our worker
// and client served by their queue, and each side's heartbeats understood by the other.
//
// Our side runs on a ManualClock wherever time decides the outcome (expiry, reconnect); theirs
// on short real intervals passed as arguments, with a liveness so long where they must not act
// that they never do. Two tests run both sides on the real clock with a second's tolerance, to
// show heartbeats flowing both ways.
import { strict as assert } from "node:assert"
import { spawn } from "node:child_process"
import { afterEach, beforeEach, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import {
  LazyPirateClient,
  type ParanoidPirateEvent,
  ParanoidPirateQueue,
  ParanoidPirateWorker,
} from "../src/mod.js"
import { EventLog } from "./event-log.js"
import { ManualClock } from "./manual-clock.js"
import { HostProcess } from "./netns.js"

const PYTHON = "/usr/bin/python3"
const peer = (name: string) => fileURLToPath(new URL(`../../test/peers/${name}`, import.meta.url))
/** Their intervals, and a liveness that outlasts any test (for a side that must not give up). */
const INTERVAL = 100
const PATIENT = 100_000

describe("Pirate interop with libzmq peers (python3-zmq)", () => {
  const peers: HostProcess[] = []
  const closers: Array<{ close(): void }> = []
  const keep = <T extends { close(): void }>(c: T): T => {
    closers.push(c)
    return c
  }
  const start = (script: string, ...args: string[]): HostProcess => {
    const child = spawn(PYTHON, [peer(script), ...args], { stdio: ["ignore", "pipe", "pipe"] })
    const proc = new HostProcess(child, script)
    peers.push(proc)
    return proc
  }
  const log = new EventLog<ParanoidPirateEvent>("omq:patterns:paranoid-pirate")
  beforeEach(() => log.start())
  afterEach(async () => {
    log.stop()
    for (const c of closers.splice(0).reverse()) c.close()
    await Promise.all(peers.splice(0).map((p) => p.kill("SIGKILL")))
  })

  describe("our ParanoidPirateQueue", () => {
    const bind = (clock: ManualClock | undefined, liveness = 3) =>
      ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
        interval: INTERVAL,
        liveness,
        ...(clock ? { clock } : {}),
      })

    it("serves their PPP worker and their Lazy Pirate client", async () => {
      const queue = keep(await bind(new ManualClock()))
      const worker = start(
        "ppp_worker.py",
        queue.backend.lastEndpoint!,
        `${INTERVAL}`,
        `${PATIENT}`,
      )
      await log.next("worker-ready")
      const client = start("lp_client.py", queue.frontend.lastEndpoint!, "10")
      assert.equal(await client.exited, 0, client.lines.join("\n"))
      assert.ok(client.lines.includes("10 of 10 replies matched"))
      assert.equal(client.count(/retrying/), 0)
      assert.equal(worker.count(/normal reply/), 10)
    })

    it("their Lazy Pirate client retries on fresh sockets until our worker comes, then is served", async () => {
      const queue = keep(await bind(new ManualClock()))
      const client = start("lp_client.py", queue.frontend.lastEndpoint!, "5", "200", "50")
      await client.waitFor(/retrying \(1\)/)
      keep(
        new ParanoidPirateWorker(queue.backend.lastEndpoint!, (body) => body, {
          clock: new ManualClock(),
        }),
      )
      assert.equal(await client.exited, 0, client.lines.join("\n"))
      assert.ok(client.lines.includes("5 of 5 replies matched"))
      const replies = client.lines.filter((line) => line.startsWith("I: server replied OK"))
      assert.deepEqual(
        replies,
        [1, 2, 3, 4, 5].map((n) => `I: server replied OK (${n})`),
      )
    })

    it("expires their worker once it falls silent (SIGSTOP), after `liveness` intervals", async () => {
      const clock = new ManualClock()
      const queue = keep(await bind(clock))
      const worker = start(
        "ppp_worker.py",
        queue.backend.lastEndpoint!,
        `${INTERVAL}`,
        `${PATIENT}`,
      )
      const ready = (await log.next("worker-ready")) as { worker: string }
      worker.child.kill("SIGSTOP")
      clock.advance(INTERVAL * 2)
      assert.equal(log.ofType("worker-expired").length, 0, "two silent intervals are not enough")
      clock.advance(INTERVAL)
      assert.deepEqual(log.ofType("worker-expired"), [
        { type: "worker-expired", worker: ready.worker },
      ])
      assert.equal(queue.workers, 0)
    })

    it("both sides heartbeat on the real clock: nobody is expired, their worker hears ours", async () => {
      // Five seconds of silence tolerated either way: a loaded CI machine (the smoke runs put
      // several suites side by side) stalled a process past one second.
      const liveness = 50
      const queue = keep(await bind(undefined, liveness))
      const worker = start(
        "ppp_worker.py",
        queue.backend.lastEndpoint!,
        `${INTERVAL}`,
        `${liveness}`,
      )
      await log.next("worker-ready")
      // Ten of our heartbeats reach their worker: a second, ten of its intervals and ours.
      await worker.waitForCount(/heartbeat from queue/, 10, worker.mark)
      assert.equal(worker.count(/queue-lost/), 0)
      assert.equal(log.ofType("worker-expired").length, 0)
      assert.equal(queue.workers, 1)
    })
  })

  describe("their PPP queue", () => {
    const startQueue = async (liveness: number) => {
      const queue = start(
        "ppp_queue.py",
        "tcp://127.0.0.1:*",
        "tcp://127.0.0.1:*",
        `${INTERVAL}`,
        `${liveness}`,
      )
      const [, frontend, backend] = await queue.waitFor(
        /queue on (\S+) \(clients\), (\S+) \(workers\)/,
      )
      return { queue, frontend: frontend!, backend: backend! }
    }

    it("serves our ParanoidPirateWorker and our LazyPirateClient", async () => {
      const { queue, frontend, backend } = await startQueue(PATIENT)
      keep(
        new ParanoidPirateWorker(backend, (body) => ["omq", ...body], { clock: new ManualClock() }),
      )
      await queue.waitFor(/worker-ready/)
      const client = keep(new LazyPirateClient(frontend, { clock: new ManualClock() }))
      for (let i = 1; i <= 10; i++) {
        assert.deepEqual((await client.request([`${i}`, "two"])).map(String), [
          "omq",
          `${i}`,
          "two",
        ])
      }
      assert.equal(queue.count(/worker-expired/), 0)
    })

    it("expires our silent worker; ours takes their silence for a lost queue and comes back with READY", async () => {
      const { queue, backend } = await startQueue(3)
      const clock = new ManualClock()
      const options = { interval: INTERVAL, liveness: 3, reconnect: 500, clock }
      keep(new ParanoidPirateWorker(backend, (body) => body, options))
      const [, first] = await queue.waitFor(/worker-ready (\S+)/)
      // Our clock stands still, so we send no heartbeats: their queue gives up on us.
      await queue.waitFor(new RegExp(`worker-expired ${first}`))
      // And, past our liveness with no word from them, ours gives up on them. (Its last two
      // heartbeats on the old socket may still reach them, and bring the old identity back.)
      clock.advance(INTERVAL * 3)
      assert.deepEqual(log.ofType("queue-lost"), [{ type: "queue-lost", reconnectIn: 500 }])
      const mark = queue.mark
      clock.advance(500)
      assert.equal(log.ofType("reconnected").length, 1)
      // A fresh socket, so a new identity, says READY.
      await queue.waitFor(new RegExp(`worker-ready (?!${first}$)`), mark)
    })

    it("both sides heartbeat on the real clock: their queue hears ours, keeps it, and serves it", async () => {
      // Five seconds of silence tolerated either way: a loaded CI machine (the smoke runs put
      // several suites side by side) stalled a process past one second.
      const liveness = 50
      const { queue, frontend, backend } = await startQueue(liveness)
      keep(new ParanoidPirateWorker(backend, (body) => body, { interval: INTERVAL, liveness }))
      const [, id] = await queue.waitFor(/worker-ready (\S+)/)
      // Ten of our heartbeats reach their queue: a second, ten of its intervals and ours.
      await queue.waitForCount(new RegExp(`heartbeat from ${id}`), 10, queue.mark)
      const client = keep(new LazyPirateClient(frontend, { clock: new ManualClock() }))
      assert.deepEqual((await client.request("still there?")).map(String), ["still there?"])
      assert.equal(queue.count(/worker-expired/), 0)
      assert.equal(log.ofType("queue-lost").length, 0)
    })
  })
})
