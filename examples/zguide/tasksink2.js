// The zguide's task sink with a kill signal (chapter 2): as tasksink.js, and once the batch is
// in it publishes KILL on a PUB socket bound to CONTROL, which every taskwork2.js subscribes
// to: the workers stop with the batch.
//
//   node examples/zguide/tasksink2.js [ENDPOINT] [CONTROL] [TASKS]     (with taskvent.js)
//
// ENDPOINT defaults to the zguide's tcp://*:5558, CONTROL to tcp://*:5559, TASKS to 100.
import { Publisher, Pull } from "omq"

const [endpoint = "tcp://*:5558", controlEndpoint = "tcp://*:5559", tasksText = "100"] =
  process.argv.slice(2)
const tasks = Number(tasksText)

const receiver = new Pull()
await receiver.bind(endpoint)
const controller = new Publisher()
await controller.bind(controlEndpoint)
console.log(
  `tasksink2: collecting results on ${receiver.lastEndpoint}, control on ${controller.lastEndpoint}`,
)

await receiver.receive() // the start of the batch
const start = performance.now()

for (let n = 1; n <= tasks; n++) {
  await receiver.receive()
  process.stdout.write(n % 10 === 0 ? ":" : ".")
}
console.log(`\nTotal elapsed time: ${Math.round(performance.now() - start)} msec`)

await controller.send("KILL") // to every worker
receiver.close()
controller.close()
console.log(`tasksink2: ${tasks} results, KILL sent`)
