// The zguide's ROUTER-to-DEALER example (chapter 3): rtreq.js with DEALER workers. A DEALER
// has no REQ to add and strip the empty delimiter frame, so each worker sends it before its
// request and skips it in each reply: the envelope the ROUTER sees is the same.
//
//   node examples/zguide/rtdealer.js [WORKERS] [TASKS]
//
// WORKERS defaults to the zguide's 10. The zguide's broker hands out work for five seconds;
// this one hands out TASKS (default 100), each 1 to 50 ms of "work" (the zguide's: 1 to 500).
// Prints how many tasks each worker did; exits 0 when they add up to TASKS.
import { randomInt } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import { isMainThread, Worker } from "node:worker_threads"
import { Dealer, Router } from "omq"

if (isMainThread) {
  const [workersText = "10", tasksText = "100"] = process.argv.slice(2)
  const workers = Number(workersText)
  const tasks = Number(tasksText)

  const broker = new Router()
  await broker.bind("inproc://tasks")
  const threads = Array.from({ length: workers }, () => new Worker(new URL(import.meta.url)))
  const exited = threads.map((t) => new Promise((resolve) => t.once("exit", resolve)))

  const done = new Map() // tasks handed to each worker, by routing id
  let handedOut = 0
  let fired = 0
  while (fired < workers) {
    // Next message gives us least recently used worker: its routing id, the empty delimiter,
    // and its request.
    const [identity] = await broker.receive()
    const id = String(identity)
    if (handedOut < tasks) {
      await broker.send([identity, "", "Work harder"])
      done.set(id, (done.get(id) ?? 0) + 1)
      handedOut++
    } else {
      await broker.send([identity, "", "Fired!"])
      fired++
    }
  }
  const codes = await Promise.all(exited)
  broker.close()
  const counts = [...done.values()]
  const total = counts.reduce((a, b) => a + b, 0)
  console.log(
    `rtdealer: ${total} tasks done by ${done.size} of ${workers} workers: ${counts.join(", ")}`,
  )
  process.exitCode = total === tasks && codes.every((c) => c === 0) ? 0 : 1
} else {
  const worker = new Dealer({ routingId: printableId() })
  worker.connect("inproc://tasks")
  let total = 0
  for (;;) {
    // Tell the broker we're ready for work: the empty delimiter frame, then the request
    await worker.send(["", "Hi Boss"])
    // Get workload from broker, until finished: the delimiter, then the workload
    const [, workload] = await worker.receive()
    if (String(workload) === "Fired!") break
    total++
    await sleep(randomInt(1, 51)) // do some random work
  }
  worker.close()
  console.log(`Completed: ${total} tasks`)
}

/** A printable routing id, as the zguide's s_set_id makes: two random 16-bit numbers in hex. */
function printableId() {
  const hex = () => randomInt(0x10000).toString(16).toUpperCase().padStart(4, "0")
  return `${hex()}-${hex()}`
}
