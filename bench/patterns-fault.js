// The fault-injection figure of the reliable patterns: COUNT requests, one at a time, through
// a broker to WORKERS worker processes, while one worker is SIGKILLed and replaced every
// KILL_EVERY ms. --pattern paranoid: a Lazy Pirate client, a Paranoid Pirate queue and workers;
// --pattern majordomo: a Majordomo client, broker and "echo" workers. --stop: instead of a kill,
// the worker is SIGSTOPped for --stopped ms, then SIGCONTinued (it wakes with a request it held,
// and with its broker taken for gone, or taken for dead by its broker). Prints how many requests
// were answered, whether each reply matched its request (none lost, none answered twice or out
// of turn), the retries, and the rate.
//
//   node bench/patterns-fault.js [--pattern paranoid|majordomo] [--count 10000] [--workers 4]
//        [--kill-every 250] [--interval 100] [--timeout 300] [--stop] [--stopped 1000]
//
// The worker is this file run as a child (--role worker): an echo.
import { fork } from "node:child_process"
import { subscribe } from "node:diagnostics_channel"
import { parseArgs } from "node:util"
import {
  LazyPirateClient,
  MajordomoBroker,
  MajordomoClient,
  MajordomoWorker,
  ParanoidPirateQueue,
  ParanoidPirateWorker,
} from "@omq/patterns"

const { values } = parseArgs({
  options: {
    role: { type: "string" },
    pattern: { type: "string", default: "paranoid" },
    backend: { type: "string" },
    count: { type: "string", default: "10000" },
    workers: { type: "string", default: "4" },
    "kill-every": { type: "string", default: "250" },
    interval: { type: "string", default: "100" },
    timeout: { type: "string", default: "300" },
    stop: { type: "boolean", default: false },
    stopped: { type: "string", default: "1000" },
  },
})
const interval = Number(values.interval)
const majordomo = values.pattern === "majordomo"

if (values.role === "worker") {
  const echo = (request) => request
  const worker = majordomo
    ? new MajordomoWorker(values.backend, "echo", echo, { heartbeat: interval })
    : new ParanoidPirateWorker(values.backend, echo, { interval })
  // The parent gone (its run over, or failed): so is this worker. It may have gone while this
  // process was still starting, before the listener was there (orphans were seen under load).
  process.on("disconnect", () => worker.close())
  if (!process.connected) worker.close()
} else {
  await main()
}

/** The broker, where its workers connect, and the client's request(). */
async function topology(timeout) {
  if (majordomo) {
    const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", { heartbeat: interval })
    const client = new MajordomoClient(broker.socket.lastEndpoint, { timeout, retries: 20 })
    return {
      backend: broker.socket.lastEndpoint,
      request: (body) => client.request("echo", body),
      close: () => {
        client.close()
        broker.close()
      },
    }
  }
  const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
    interval,
  })
  const client = new LazyPirateClient(queue.frontend.lastEndpoint, { timeout, retries: 20 })
  return {
    backend: queue.backend.lastEndpoint,
    request: (body) => client.request(body),
    close: () => {
      client.close()
      queue.close()
    },
  }
}

async function main() {
  const count = Number(values.count)
  const { backend, request, close } = await topology(Number(values.timeout))
  const start = () =>
    fork(new URL(import.meta.url), [
      ...["--role", "worker", "--backend", backend],
      ...["--interval", `${interval}`, "--pattern", values.pattern],
    ])
  const workers = Array.from({ length: Number(values.workers) }, start)
  let kills = 0
  const stopped = new Set()
  const killer = setInterval(() => {
    const victim = Math.floor(Math.random() * workers.length)
    const worker = workers[victim]
    if (!values.stop) {
      worker.kill("SIGKILL")
      workers[victim] = start()
      kills++
      return
    }
    if (stopped.has(worker)) return
    kills++
    stopped.add(worker)
    worker.kill("SIGSTOP")
    setTimeout(() => {
      worker.kill("SIGCONT")
      stopped.delete(worker)
    }, Number(values.stopped))
  }, Number(values["kill-every"]))
  let retries = 0
  subscribe("omq:patterns:lazy-pirate", (event) => {
    if (event.type === "retry") retries++
  })
  let matched = 0
  let mismatched = 0
  const began = performance.now()
  try {
    for (let i = 0; i < count; i++) {
      const [reply] = await request(`request ${i}`)
      if (String(reply) === `request ${i}`) matched++
      else mismatched++
    }
  } finally {
    // Also when a request is abandoned (EAGAIN): no worker process outlives the run.
    clearInterval(killer)
    for (const worker of workers) worker.kill("SIGKILL")
    for (const worker of stopped) worker.kill("SIGKILL")
    close()
  }
  const seconds = (performance.now() - began) / 1000
  console.log(
    `${values.pattern}: ${count} requests, ${matched} answered with their own reply, ` +
      `${mismatched} wrong or twice; ${kills} workers ${values.stop ? "stopped" : "killed"}, ` +
      `${retries} retries; ` +
      `${(count / seconds).toFixed(0)} requests/s`,
  )
  process.exitCode = matched === count && mismatched === 0 ? 0 : 1
}
