// The Paranoid Pirate figure: COUNT requests from a Lazy Pirate client through a Paranoid
// Pirate queue to WORKERS worker processes, while one worker is SIGKILLed and replaced every
// KILL_EVERY ms. Prints how many requests were answered, whether each reply matched its request
// (none lost, none answered twice or out of turn), the retries, and the rate.
//
//   node bench/patterns-fault.js [--count 10000] [--workers 4] [--kill-every 250]
//        [--interval 100] [--timeout 300]
//
// The worker is this file run as a child (--role worker BACKEND): an echo.
import { fork } from "node:child_process"
import { subscribe } from "node:diagnostics_channel"
import { parseArgs } from "node:util"
import { LazyPirateClient, ParanoidPirateQueue, ParanoidPirateWorker } from "@omq/patterns"

const { values } = parseArgs({
  options: {
    role: { type: "string" },
    backend: { type: "string" },
    count: { type: "string", default: "10000" },
    workers: { type: "string", default: "4" },
    "kill-every": { type: "string", default: "250" },
    interval: { type: "string", default: "100" },
    timeout: { type: "string", default: "300" },
  },
})
const interval = Number(values.interval)

if (values.role === "worker") {
  const worker = new ParanoidPirateWorker(values.backend, (request) => request, { interval })
  process.on("disconnect", () => worker.close())
} else {
  await main()
}

async function main() {
  const count = Number(values.count)
  const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
    interval,
  })
  const backend = queue.backend.lastEndpoint
  const start = () =>
    fork(new URL(import.meta.url), [
      "--role",
      "worker",
      "--backend",
      backend,
      "--interval",
      `${interval}`,
    ])
  const workers = Array.from({ length: Number(values.workers) }, start)
  let kills = 0
  const killer = setInterval(() => {
    const victim = Math.floor(Math.random() * workers.length)
    workers[victim].kill("SIGKILL")
    workers[victim] = start()
    kills++
  }, Number(values["kill-every"]))
  let retries = 0
  subscribe("omq:patterns:lazy-pirate", (event) => {
    if (event.type === "retry") retries++
  })
  const client = new LazyPirateClient(queue.frontend.lastEndpoint, {
    timeout: Number(values.timeout),
    retries: 20,
  })
  let matched = 0
  let mismatched = 0
  const began = performance.now()
  for (let i = 0; i < count; i++) {
    const [reply] = await client.request(`request ${i}`)
    if (String(reply) === `request ${i}`) matched++
    else mismatched++
  }
  const seconds = (performance.now() - began) / 1000
  clearInterval(killer)
  client.close()
  for (const worker of workers) worker.kill("SIGKILL")
  queue.close()
  console.log(
    `${count} requests, ${matched} answered with their own reply, ${mismatched} wrong or twice; ` +
      `${kills} workers killed, ${retries} retries; ${(count / seconds).toFixed(0)} requests/s`,
  )
  process.exitCode = matched === count && mismatched === 0 ? 0 : 1
}
