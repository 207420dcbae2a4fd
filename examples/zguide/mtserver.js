// The zguide's multithreaded server (chapter 2): hwserver.js with its work spread over worker
// threads. Clients (hwclient.js) talk to a ROUTER on tcp; a DEALER bound to inproc://workers
// hands their requests to WORKERS threads (this same file, re-run), each a REP that answers
// "World" after a tenth of a second of "work", and a Proxy joins the two. The threads share
// the process's default context, so they reach inproc://workers with nothing passed to them.
//
//   node examples/zguide/mtserver.js [ENDPOINT] [WORKERS]
//
// ENDPOINT defaults to the zguide's tcp://*:5555, WORKERS to 5. Runs until Ctrl-C (SIGINT or
// SIGTERM), then says how many requests were answered.
import { setTimeout as sleep } from "node:timers/promises"
import { isMainThread, parentPort, threadId, Worker } from "node:worker_threads"
import { Dealer, Proxy, Pull, Push, Reply, Router } from "omq"

if (isMainThread) {
  const [endpoint = "tcp://*:5555", workersText = "5"] = process.argv.slice(2)

  const clients = new Router()
  await clients.bind(endpoint)
  const workers = new Dealer()
  await workers.bind("inproc://workers")

  // Each worker says "ready" once connected: a DEALER spreads requests only over the workers
  // it has. (The zguide starts its threads and goes on: a request could wait for a worker.)
  const ready = new Pull()
  await ready.bind("inproc://ready")
  const threads = Array.from({ length: Number(workersText) }, () => {
    return new Worker(new URL(import.meta.url))
  })
  for (let i = 0; i < threads.length; i++) await ready.receive()
  ready.close()
  console.log(`mtserver: ${threads.length} worker threads on ${clients.lastEndpoint}`)

  const proxy = new Proxy(clients, workers)
  process.once("SIGINT", () => proxy.terminate())
  process.once("SIGTERM", () => proxy.terminate())
  await proxy.run() // until terminate()

  // The workers wait for requests that will not come now: tell them to stop.
  const exited = threads.map((t) => new Promise((resolve) => t.once("exit", resolve)))
  for (const t of threads) t.postMessage("stop")
  await Promise.all(exited)
  clients.close()
  workers.close()
  console.log(`mtserver: ${proxy.stats.backToFront.messages} requests answered`)
} else {
  const receiver = new Reply()
  receiver.connect("inproc://workers")
  const ready = new Push()
  ready.connect("inproc://ready")
  await ready.send(String(threadId))
  ready.close()
  parentPort.once("message", () => receiver.close()) // ends the for-await below

  for await (const [request] of receiver) {
    console.log(`Received request: [${request}] (thread ${threadId})`)
    await sleep(100) // do some "work"
    if (receiver.closed) break
    await receiver.send("World")
  }
}
