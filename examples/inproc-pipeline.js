// A multithreaded Node program is one ZeroMQ process: its threads message each other over
// inproc://, ring to ring, with no IO thread and no OS socket in between. The main thread is the
// ventilator (PUSH on inproc://tasks) and the sink (PULL on inproc://results); three worker
// threads (this same file, re-run) square the numbers. Every thread uses the default context,
// which the whole process shares: the workers find the main thread's names with nothing passed.
// Run: node examples/inproc-pipeline.js (after a build).
import { isMainThread, parentPort, threadId, Worker } from "node:worker_threads"
import { Pull, Push } from "omq"

if (isMainThread) {
  const ventilator = new Push()
  await ventilator.bind("inproc://tasks")
  const sink = new Pull()
  await sink.bind("inproc://results")

  const workers = [1, 2, 3].map(() => new Worker(new URL(import.meta.url)))
  const exited = workers.map((w) => new Promise((resolve) => w.once("exit", resolve)))

  // PUSH round-robins over the peers it has: a worker that joined late would get no task. So
  // each worker says "ready" on its results pipe, after connecting to tasks; its tasks pipe was
  // offered first, so by the time "ready" arrives, the ventilator has that worker too.
  const ready = new Set()
  while (ready.size < workers.length) {
    const [kind, thread] = (await sink.receive()).map(String)
    if (kind === "ready") ready.add(thread)
  }
  console.log(`worker threads ${[...ready].join(", ")} ready`)

  const total = 30
  for (let n = 1; n <= total; n++) await ventilator.send(String(n))

  const results = new Map()
  const perThread = {}
  for (let i = 0; i < total; i++) {
    const [, thread, n, square] = (await sink.receive()).map(String)
    if (results.has(n)) throw new Error(`task ${n} came back twice`)
    if (Number(square) !== Number(n) ** 2) throw new Error(`${n} squared is not ${square}`)
    results.set(n, square)
    perThread[`thread ${thread}`] = (perThread[`thread ${thread}`] ?? 0) + 1
  }
  for (let n = 1; n <= total; n++) {
    if (!results.has(String(n))) throw new Error(`task ${n} never came back`)
  }
  console.log(`${total} tasks through ${workers.length} worker threads over inproc:`, perThread)

  // Every result is in: nothing is in flight, so the workers may close their sockets now.
  for (const w of workers) w.postMessage("stop")
  await Promise.all(exited)
  ventilator.close()
  sink.close()
} else {
  const tasks = new Pull()
  tasks.connect("inproc://tasks")
  const results = new Push()
  results.connect("inproc://results")
  await results.send(["ready", String(threadId)])
  parentPort.once("message", () => {
    tasks.close() // ends the for-await below
    results.close()
  })
  for await (const [n] of tasks) {
    const square = Number(String(n)) ** 2
    await results.send(["result", String(threadId), n, String(square)])
  }
}
