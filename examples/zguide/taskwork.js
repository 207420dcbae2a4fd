// The zguide's task worker (chapter 1): PULLs tasks from the ventilator at VENTILATOR, "does"
// each (sleeps its workload in milliseconds) and PUSHes an empty result to the sink at SINK.
//
//   node examples/zguide/taskwork.js [VENTILATOR] [SINK]     (start several)
//
// VENTILATOR defaults to the zguide's tcp://localhost:5557, SINK to tcp://localhost:5558. It
// works until Ctrl-C (SIGINT or SIGTERM), then says how many tasks it did; taskwork2.js stops
// when the sink tells it to.
import { setTimeout as sleep } from "node:timers/promises"
import { Pull, Push } from "omq"

const [ventilator = "tcp://localhost:5557", sinkEndpoint = "tcp://localhost:5558"] =
  process.argv.slice(2)

const receiver = new Pull()
receiver.connect(ventilator)
const sender = new Push()
sender.connect(sinkEndpoint)
// Not in the zguide: say when the ventilator has us (from then on its PUSH counts us in).
receiver.events.on("handshake", () => console.log(`taskwork: connected to ${ventilator}`))
// Closing the receiver ends the for-await below.
process.once("SIGINT", () => receiver.close())
process.once("SIGTERM", () => receiver.close())

let done = 0
for await (const [workload] of receiver) {
  process.stdout.write(".") // show progress
  await sleep(Number(String(workload))) // do the work
  await sender.send("") // the result
  done++
}
sender.close()
console.log(`\ntaskwork: ${done} tasks done`)
