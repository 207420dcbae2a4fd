// The zguide's load-balancing broker (chapter 3): CLIENTS REQ clients and WORKERS REQ workers,
// each on its own worker thread (this same file, re-run), talk through a broker made of two
// ROUTERs, over inproc (the zguide's, over ipc). A worker's first message says it is READY;
// after that its messages are replies. The broker keeps a queue of the workers that are free,
// hands each client request to the one free longest, and reads client requests only while a
// worker is free: the frontend is in the poll only then.
//
// Once every client has its reply, the broker shuts the context down, as the zguide destroys
// its context: the workers' waiting receive() fails with ETERM, and each closes and exits.
//
//   node examples/zguide/lbbroker.js [CLIENTS] [WORKERS]
//
// CLIENTS defaults to the zguide's 10, WORKERS to 3. Exits 0 when every client got its "OK".
import { randomInt } from "node:crypto"
import { isMainThread, Worker, workerData } from "node:worker_threads"
import { context, Poller, Request, Router } from "omq"

if (isMainThread) {
  const [clientsText = "10", workersText = "3"] = process.argv.slice(2)
  const frontend = new Router()
  const backend = new Router()
  await frontend.bind("inproc://frontend")
  await backend.bind("inproc://backend")

  const start = (role) => {
    const thread = new Worker(new URL(import.meta.url), { workerData: role })
    return new Promise((resolve) => thread.once("exit", resolve))
  }
  const clients = Array.from({ length: Number(clientsText) }, () => start("client"))
  const workers = Array.from({ length: Number(workersText) }, () => start("worker"))

  // Routing ids of the workers that are free, the one free longest first.
  const workerQueue = []
  const served = new Map() // requests each worker answered, by routing id
  const poller = new Poller()
  poller.add(backend, { readable: true })
  poller.add(frontend, { readable: false }) // no worker is free yet

  let clientsLeft = clients.length
  while (clientsLeft > 0) {
    for (const { socket } of await poller.poll()) {
      if (socket === backend) {
        // A worker: its id, the delimiter, then READY, or a client's id, a delimiter and the
        // reply for that client.
        const [worker, , client, , reply] = await backend.receive()
        workerQueue.push(worker)
        if (String(client) !== "READY") {
          await frontend.send([client, "", reply])
          served.set(String(worker), (served.get(String(worker)) ?? 0) + 1)
          clientsLeft--
        }
      } else {
        // A client: its id, the delimiter, the request. Route it to the free worker.
        const [client, , request] = await frontend.receive()
        await backend.send([workerQueue.shift(), "", client, "", request])
      }
      poller.modify(frontend, { readable: workerQueue.length > 0 })
    }
  }
  poller.close()

  const clientCodes = await Promise.all(clients) // each leaves once it has its reply
  context.shutdown()
  for (const socket of [frontend, backend]) {
    socket.linger = 0
    socket.close()
  }
  const workerCodes = await Promise.all(workers)
  const counts = [...served.values()]
  console.log(
    `lbbroker: ${clients.length} clients served by ${served.size} of ${workers.length} workers: ${counts.join(", ")}`,
  )
  process.exitCode = [...clientCodes, ...workerCodes].every((c) => c === 0) ? 0 : 1
} else if (workerData === "client") {
  const client = new Request({ routingId: printableId() })
  client.connect("inproc://frontend")
  await client.send("HELLO")
  const [reply] = await client.receive()
  console.log(`Client: ${reply}`)
  client.close()
  if (String(reply) !== "OK") process.exitCode = 1
} else {
  // Once the broker has shut the context down, every call fails with ETERM: the waiting
  // receive(), or even new Request() in a worker that started that late.
  let worker = null
  try {
    worker = new Request({ routingId: printableId() })
    worker.connect("inproc://backend")
    // Tell the broker we're ready for work
    await worker.send("READY")
    for (;;) {
      const [client, , request] = await worker.receive()
      console.log(`Worker: ${request}`)
      await worker.send([client, "", "OK"])
    }
  } catch (err) {
    if (err.code !== "ETERM") throw err
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
