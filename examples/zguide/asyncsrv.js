// The zguide's asynchronous client/server (chapter 3): DEALER clients talk to a ROUTER server,
// sending requests without waiting for replies, and the server sends zero or more replies to
// each. The main thread is the server: a ROUTER on tcp for the clients, a DEALER bound to
// inproc://backend for its five worker threads, and a Proxy between the two. Each server
// worker (a DEALER) gets [client id, request], and sends back zero to four copies, each after
// up to a tenth of a second (the zguide's: up to a second). The CLIENTS clients are worker
// threads too, over tcp as if they were other processes: each polls for replies in 10 ms
// ticks and sends a request every ten ticks (the zguide's: every hundred).
//
// After SECONDS the main thread shuts the context down, as the zguide destroys it: every
// thread's waiting call fails with ETERM, and each closes its socket and ends.
//
//   node examples/zguide/asyncsrv.js [ENDPOINT] [CLIENTS] [SECONDS]
//
// ENDPOINT defaults to the zguide's tcp://*:5570, CLIENTS to 3, SECONDS to 5. Exits 0 when
// replies came, and every one was for a request its client had sent.
import { randomInt } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { context, Dealer, Poller, Proxy, Router } from "omq"

const SERVER_WORKERS = 5

if (isMainThread) {
  const [endpoint = "tcp://*:5570", clientsText = "3", secondsText = "5"] = process.argv.slice(2)

  const frontend = new Router()
  await frontend.bind(endpoint)
  const backend = new Dealer()
  await backend.bind("inproc://backend")
  // A wildcard address is where the server listens, not where a client can connect.
  const address = frontend.lastEndpoint.replace("//0.0.0.0:", "//localhost:")

  // Each thread posts "ready" once its socket is connected, and its tallies when it ends.
  const start = (data) => {
    const thread = new Worker(new URL(import.meta.url), { workerData: data })
    const ready = new Promise((resolve) => thread.once("message", resolve))
    const report = new Promise((resolve) =>
      thread.on("message", (m) => m !== "ready" && resolve(m)),
    )
    const exited = new Promise((resolve) => thread.once("exit", resolve))
    return { ready, report, exited }
  }
  const workers = Array.from({ length: SERVER_WORKERS }, () => start({ role: "worker" }))
  const clients = Array.from({ length: Number(clientsText) }, () => {
    return start({ role: "client", address })
  })
  await Promise.all([...workers, ...clients].map((t) => t.ready))
  console.log(
    `asyncsrv: ${clients.length} clients, ${workers.length} server workers, on ${address}`,
  )

  const proxy = new Proxy(frontend, backend)
  const proxying = proxy.run().catch((err) => {
    if (err.code !== "ETERM") throw err // ETERM: the shutdown below
  })
  await sleep(Number(secondsText) * 1000) // run for a while, then quit
  context.shutdown()
  await proxying
  for (const socket of [frontend, backend]) {
    socket.linger = 0
    socket.close()
  }

  const reports = await Promise.all(clients.map((c) => c.report))
  const codes = await Promise.all([...workers, ...clients].map((t) => t.exited))
  const sum = (key) => reports.reduce((total, r) => total + r[key], 0)
  console.log(
    `asyncsrv: ${clients.length} clients sent ${sum("sent")} requests, got ${sum("replies")} replies, ${sum("strays")} not theirs`,
  )
  process.exitCode =
    sum("replies") > 0 && sum("strays") === 0 && codes.every((c) => c === 0) ? 0 : 1
} else if (workerData.role === "client") {
  const identity = printableId()
  const client = new Dealer({ routingId: identity })
  client.connect(workerData.address)
  const poller = new Poller()
  poller.add(client, { readable: true })
  parentPort.postMessage("ready")
  let sent = 0
  let replies = 0
  let strays = 0
  try {
    for (;;) {
      // Tick ten times, collecting the replies that come meanwhile; then a request.
      for (let tick = 0; tick < 10; tick++) {
        if ((await poller.poll(10)).length === 0) continue
        const [reply] = await client.receive()
        console.log(`${identity}: ${reply}`)
        replies++
        const n = Number(/^request #(\d+)$/.exec(String(reply))?.[1])
        if (!(n >= 1 && n <= sent)) strays++
      }
      await client.send(`request #${++sent}`)
    }
  } catch (err) {
    if (err.code !== "ETERM") throw err // ETERM: the server shut the context down
  }
  poller.close()
  client.linger = 0
  client.close()
  parentPort.postMessage({ sent, replies, strays })
} else {
  // A server worker: [client id, request] in, zero to four copies of it out.
  let worker = null
  try {
    worker = new Dealer()
    worker.connect("inproc://backend")
    parentPort.postMessage("ready")
    for (;;) {
      const [identity, content] = await worker.receive()
      const replies = randomInt(5)
      for (let reply = 0; reply < replies; reply++) {
        await sleep(randomInt(1, 101)) // sleep some fractions of a second
        await worker.send([identity, content])
      }
    }
  } catch (err) {
    if (err.code !== "ETERM") throw err // ETERM: the server shut the context down
  }
  if (worker) {
    worker.linger = 0
    worker.close()
  }
}

/** A printable routing id, as the zguide's s_set_id makes: two random 16-bit numbers in hex. */
function printableId() {
  const hex = () => randomInt(0x10000).toString(16).toUpperCase().padStart(4, "0")
  return `${hex()}-${hex()}`
}
