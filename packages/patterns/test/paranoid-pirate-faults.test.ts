// Fault injection: worker processes (examples/patterns/ppworker.js) are SIGKILLed and replaced
// while a Lazy Pirate client sends requests through a Paranoid Pirate queue. Every request is
// answered with its own reply, once, in turn. (bench/patterns-fault.js runs the 10,000-request
// figure.)
import { strict as assert } from "node:assert"
import { type ChildProcess, fork } from "node:child_process"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { LazyPirateClient, ParanoidPirateQueue } from "../src/mod.js"

const WORKER = fileURLToPath(new URL("../../../../examples/patterns/ppworker.js", import.meta.url))
const INTERVAL = 100

describe("Paranoid Pirate under fault injection", () => {
  it("workers killed at random: no request lost, none answered twice", async () => {
    const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
      interval: INTERVAL,
    })
    const start = (): ChildProcess =>
      fork(WORKER, [queue.backend.lastEndpoint!, String(INTERVAL)], { stdio: "ignore" })
    const workers = [start(), start(), start()]
    let kills = 0
    const kill = (): void => {
      const victim = kills++ % workers.length
      workers[victim]!.kill("SIGKILL")
      workers[victim] = start()
    }
    const client = new LazyPirateClient(queue.frontend.lastEndpoint!, { timeout: 300, retries: 30 })
    try {
      assert.deepEqual((await client.request("warm-up")).map(String), ["warm-up"])
      // A kill every 40 requests, paced by progress rather than by the clock: on a loaded
      // machine a new worker process can take longer to start than a timed killer would let any
      // worker live, and then no request could be served at all. 400 requests, 10 kills; the
      // request after a kill may go to the dead worker before the queue has expired it.
      for (let i = 0; i < 400; i++) {
        if (i % 40 === 20) kill()
        const reply = await client.request(`request ${i}`)
        assert.deepEqual(reply.map(String), [`request ${i}`])
      }
      assert.equal(kills, 10)
    } finally {
      client.close()
      for (const worker of workers) worker.kill("SIGKILL")
      queue.close()
    }
  })
})
