// Cost of a Poller over many sockets (issue 10: "Poller over 1,000 sockets: cost per poll"):
//   node bench/poller.js [--sockets 1000] [--time 1000]
// N PULL sockets, each fed by its own PUSH over inproc in one thread (no IO thread, so what is
// measured is the poller and the sockets' readiness checks, not the network). Rows:
// - poll(0), nothing ready: the cost of looking when nothing changed;
// - one socket made ready, then poll(): a PUSH sends one message, poll() finds it, receive()
//   takes it (so the set is empty again for the next round);
// - the same round with socket.readable checked on every socket instead of a Poller, which is
//   what a poll costs without change tracking.
// zeromq.js has no poller to compare with.
import { Context, Poller, Pull, Push } from "omq"
import { Bench } from "tinybench"

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const count = arg("--sockets", 1000)
const time = arg("--time", 1000)

const context = new Context({ ioThreads: 0 })
const pulls = []
const pushes = []
for (let i = 0; i < count; i++) {
  const pull = new Pull({ context, linger: 0 })
  await pull.bind(`inproc://poller-bench-${i}`)
  const push = new Push({ context, linger: 0 })
  push.connect(`inproc://poller-bench-${i}`)
  pulls.push(pull)
  pushes.push(push)
}
const poller = new Poller()
for (const pull of pulls) poller.add(pull)
if ((await poller.poll(0)).length !== 0) throw new Error("nothing should be ready")

let next = 0
const bench = new Bench({ time })
bench
  .add("poll(0), nothing ready", async () => {
    await poller.poll(0)
  })
  .add("one message: send, poll(), receive", async () => {
    const i = next++ % count
    await pushes[i].send("x")
    const ready = await poller.poll(1000)
    if (ready.length !== 1 || ready[0].socket !== pulls[i]) throw new Error("wrong socket")
    await pulls[i].receive()
  })
  .add("one message, scanning every socket's readable", async () => {
    const i = next++ % count
    await pushes[i].send("x")
    let found = null
    while (!found) {
      for (const pull of pulls) if (pull.readable) found = pull
      if (!found) await new Promise((resolve) => setImmediate(resolve))
    }
    if (found !== pulls[i]) throw new Error("wrong socket")
    await found.receive()
  })
await bench.run()

console.log(`Poller over ${count} PULL sockets (inproc, ioThreads 0), median`)
console.table(
  bench.tasks.map((task) => ({
    case: task.name,
    "µs / op": Number((task.result.latency.p50 * 1000).toFixed(2)),
    "ops/s": Math.round(task.result.throughput.p50),
  })),
)
poller.close()
await context.closeSocketsAndTerminate()
