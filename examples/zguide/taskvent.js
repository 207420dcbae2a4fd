// The zguide's task ventilator (chapter 1): a PUSH socket bound to ENDPOINT hands out TASKS
// tasks, each a workload in milliseconds, to the workers (taskwork.js) connected to it. First
// it tells the sink (tasksink.js) at SINK that a batch starts, so the sink can time it.
//
//   node examples/zguide/taskvent.js [ENDPOINT] [SINK] [TASKS]
//
// ENDPOINT defaults to the zguide's tcp://*:5557, SINK to tcp://localhost:5558, TASKS to 100.
// It waits for Enter (or the end of its input) before sending: PUSH hands tasks only to the
// workers connected by then, so start them first.
import { randomInt } from "node:crypto"
import { Push } from "omq"

const [endpoint = "tcp://*:5557", sinkEndpoint = "tcp://localhost:5558", tasksText = "100"] =
  process.argv.slice(2)
const tasks = Number(tasksText)

const sender = new Push()
await sender.bind(endpoint)
console.log(`taskvent: sending tasks on ${sender.lastEndpoint}`)
const sink = new Push()
sink.connect(sinkEndpoint)

process.stdout.write("Press Enter when the workers are ready: ")
await new Promise((resolve) => {
  process.stdin.once("data", resolve)
  process.stdin.once("end", resolve)
})
process.stdin.destroy()
console.log("Sending tasks to workers…")

// The first message is "0": the start of the batch.
await sink.send("0")

let totalMsec = 0
for (let n = 0; n < tasks; n++) {
  const workload = randomInt(1, 101) // 1 to 100 msec
  totalMsec += workload
  await sender.send(String(workload))
}
console.log(`Total expected cost: ${totalMsec} msec`)
// close() lingers until every task is out; the zguide sleeps a second for that.
sender.close()
sink.close()
console.log(`taskvent: ${tasks} tasks sent`)
