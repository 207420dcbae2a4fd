// The main demo: a PUSH socket on one IO thread sends work over tcp to two PULL workers.
// Run from a fresh clone with the README's first command.
import { Context, Pull, Push } from "omq"

const context = new Context({ ioThreads: 1 })
const sink = new Push({ context })
await sink.bind("tcp://127.0.0.1:*")
console.log(`PUSH bound at ${sink.lastEndpoint}`)

const workers = ["alpha", "beta"].map((name) => {
  const pull = new Pull({ context })
  pull.connect(sink.lastEndpoint)
  return { name, pull }
})

const total = 10
const received = new Map(workers.map((w) => [w.name, 0]))
const done = Promise.all(
  workers.map(async ({ name, pull }) => {
    for await (const [task, body] of pull) {
      if (task.toString() === "stop") break
      received.set(name, received.get(name) + 1)
      console.log(`${name} got ${task} (${body.length} bytes)`)
    }
  }),
)

for (let i = 1; i <= total; i++) await sink.send([`task-${i}`, Buffer.alloc(i * 100, i)])
for (const _ of workers) await sink.send(["stop", ""])
await done

console.log(`sent ${total} tasks over tcp, received:`, Object.fromEntries(received))
for (const { pull } of workers) pull.close()
sink.close()
await context.terminate()
