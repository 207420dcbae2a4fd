// The zguide's task sink (chapter 1): a PULL socket bound to ENDPOINT waits for the
// ventilator's start of batch, then collects TASKS results from the workers, and says how long
// the batch took.
//
//   node examples/zguide/tasksink.js [ENDPOINT] [TASKS]     (with taskvent.js, taskwork.js)
//
// ENDPOINT defaults to the zguide's tcp://*:5558, TASKS to 100 (the ventilator's count).
import { Pull } from "omq"

const [endpoint = "tcp://*:5558", tasksText = "100"] = process.argv.slice(2)
const tasks = Number(tasksText)

const receiver = new Pull()
await receiver.bind(endpoint)
console.log(`tasksink: collecting results on ${receiver.lastEndpoint}`)

await receiver.receive() // the start of the batch
const start = performance.now()

for (let n = 1; n <= tasks; n++) {
  await receiver.receive()
  process.stdout.write(n % 10 === 0 ? ":" : ".")
}
console.log(`\nTotal elapsed time: ${Math.round(performance.now() - start)} msec`)
receiver.close()
console.log(`tasksink: ${tasks} results`)
