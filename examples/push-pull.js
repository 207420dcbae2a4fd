// The main demo, the zguide's "divide and conquer" over tcp: a ventilator PUSHes tasks to two
// workers (PULL), which PUSH their results to a sink (PULL). One IO worker thread carries it all.
// Run from a fresh clone with the README's first command.
import { Context, Pull, Push } from "omq"

const context = new Context({ ioThreads: 1 })

const sink = new Pull({ context })
await sink.bind("tcp://127.0.0.1:*")
console.log(`sink bound at ${sink.lastEndpoint}`)

const workers = []
for (const name of ["alpha", "beta"]) {
  const tasks = new Pull({ context })
  await tasks.bind("tcp://127.0.0.1:*")
  console.log(`worker ${name} bound at ${tasks.lastEndpoint}`)
  const results = new Push({ context })
  results.connect(sink.lastEndpoint)
  // `for await` ends when the socket is closed.
  const running = (async () => {
    for await (const [task, body] of tasks) {
      const sum = body.reduce((a, b) => a + b, 0)
      await results.send([name, task, String(sum)])
    }
  })()
  workers.push({ tasks, results, running })
}

// As in libzmq, connect() creates its pipe at once: the ventilator round-robins over both
// workers from the first message, whether or not the tcp connections are up yet.
const ventilator = new Push({ context })
for (const w of workers) ventilator.connect(w.tasks.lastEndpoint)

const total = 10
for (let i = 1; i <= total; i++) await ventilator.send([`task-${i}`, Buffer.alloc(i * 100, i)])

const perWorker = {}
for (let i = 0; i < total; i++) {
  const [worker, task, sum] = (await sink.receive()).map(String)
  perWorker[worker] = (perWorker[worker] ?? 0) + 1
  console.log(`${worker} did ${task}: byte sum ${sum}`)
}
console.log(`${total} tasks through PUSH/PULL over tcp, per worker:`, perWorker)

for (const w of workers) {
  w.tasks.close()
  w.results.close()
  await w.running
}
ventilator.close()
sink.close()
await context.terminate()
