// A multithreaded Node program is one ZeroMQ process: requests come in over tcp and are handled
// on worker threads, reached over inproc://, ring to ring, with no IO thread in between. The
// main thread runs the zguide's shared queue: a ROUTER on tcp for clients, a DEALER on
// inproc://workers for the three worker threads (this same file, re-run, each with a REP), and
// a Proxy between the two. A DEALER client in the main thread sends nine requests at once over
// tcp; each reply says which worker thread answered it. Every thread uses the default context.
// Run: node examples/worker-pool.js (after a build).
import { isMainThread, parentPort, threadId, Worker } from "node:worker_threads"
import { Dealer, Proxy, Pull, Push, Reply, Router } from "omq"

if (isMainThread) {
  const frontEnd = new Router()
  await frontEnd.bind("tcp://127.0.0.1:*")
  const backEnd = new Dealer()
  await backEnd.bind("inproc://workers")
  const proxy = new Proxy(frontEnd, backEnd)
  const proxying = proxy.run()

  // The DEALER round-robins over the workers it has: one that joined late would get nothing.
  // Each worker says "ready" on inproc://ready after connecting to inproc://workers; that pipe
  // was offered first, so when "ready" arrives the DEALER has that worker too.
  const ready = new Pull()
  await ready.bind("inproc://ready")
  const workers = [1, 2, 3].map(() => new Worker(new URL(import.meta.url)))
  const exited = workers.map((w) => new Promise((resolve) => w.once("exit", resolve)))
  const threads = new Set()
  while (threads.size < workers.length) threads.add(String((await ready.receive())[0]))
  console.log(`worker threads ${[...threads].join(", ")} ready behind ${frontEnd.lastEndpoint}`)

  // The client could be another process: it only knows the tcp endpoint. A DEALER talking to
  // REP workers sends the empty delimiter frame a REQ would, and may have many requests out.
  const client = new Dealer()
  client.connect(frontEnd.lastEndpoint)
  const total = 9
  for (let i = 1; i <= total; i++) await client.send(["", `request ${i}`])
  const answeredBy = new Set()
  for (let i = 0; i < total; i++) {
    const [, reply] = await client.receive()
    console.log(String(reply))
    answeredBy.add(String(reply).replace(/.*thread /, ""))
  }
  console.log(`${total} requests answered by ${answeredBy.size} worker threads over inproc`)

  client.close()
  proxy.terminate()
  await proxying
  for (const w of workers) w.postMessage("stop")
  await Promise.all(exited)
  ready.close()
  frontEnd.close()
  backEnd.close()
} else {
  const rep = new Reply()
  rep.connect("inproc://workers")
  const ready = new Push()
  ready.connect("inproc://ready")
  await ready.send(String(threadId))
  parentPort.once("message", () => {
    rep.close() // ends the for-await below
    ready.close()
  })
  for await (const [request] of rep) {
    await rep.send(`${request}: answered by worker thread ${threadId}`)
  }
}
