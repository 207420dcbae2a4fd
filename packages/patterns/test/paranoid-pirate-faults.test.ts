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
    let killer: ReturnType<typeof setInterval> | undefined
    const client = new LazyPirateClient(queue.frontend.lastEndpoint!, { timeout: 300, retries: 30 })
    try {
      // Kills start once a worker has answered: each worker then lives ~1.2 s, of which a new
      // process spends a few hundred ms starting on this machine.
      assert.deepEqual((await client.request("warm-up")).map(String), ["warm-up"])
      killer = setInterval(() => {
        const victim = kills++ % workers.length
        workers[victim]!.kill("SIGKILL")
        workers[victim] = start()
      }, 400)
      // At least 400 requests, and on until four workers have died under them.
      for (let i = 0; i < 400 || kills < 4; i++) {
        const reply = await client.request(`request ${i}`)
        assert.deepEqual(reply.map(String), [`request ${i}`])
      }
    } finally {
      clearInterval(killer)
      client.close()
      for (const worker of workers) worker.kill("SIGKILL")
      queue.close()
    }
  })
})
