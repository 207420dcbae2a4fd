// The zguide's multiple socket reader (chapter 2): one loop reads from two sockets, a PULL
// connected to the task ventilator (taskvent.js) and a SUB connected to the weather server
// (wuserver.js), without ever waiting on either: it takes what is there, and when nothing is
// there it sleeps a millisecond. mspoller.js does the same without the sleeping.
//
//   node examples/zguide/msreader.js [VENTILATOR] [WEATHER] [COUNT]
//
// VENTILATOR defaults to the zguide's tcp://localhost:5557, WEATHER to tcp://localhost:5556.
// It stops once it has COUNT messages from each (default: never; Ctrl-C stops it).
import { setTimeout as sleep } from "node:timers/promises"
import { Pull, Subscriber } from "omq"

const [ventilator = "tcp://localhost:5557", weather = "tcp://localhost:5556", countText] =
  process.argv.slice(2)
const count = countText === undefined ? Number.POSITIVE_INFINITY : Number(countText)

const receiver = new Pull()
receiver.connect(ventilator)
const subscriber = new Subscriber()
subscriber.connect(weather)
subscriber.subscribe("10001 ")
console.log(`msreader: reading tasks from ${ventilator} and weather from ${weather}`)
let interrupted = false
process.once("SIGINT", () => (interrupted = true))
process.once("SIGTERM", () => (interrupted = true))

let tasks = 0
let updates = 0
while (!interrupted && (tasks < count || updates < count)) {
  // `readable`: a receive() now would resolve at once (libzmq's ZMQ_DONTWAIT would succeed).
  // Each socket is drained before the other gets a look: the zguide's loop is as unfair.
  let idle = true
  while (receiver.readable) {
    const [task] = await receiver.receive()
    console.log(`task: ${task}`)
    tasks++
    idle = false
  }
  while (subscriber.readable) {
    const [update] = await subscriber.receive()
    console.log(`weather: ${update}`)
    updates++
    idle = false
  }
  if (idle) await sleep(1) // nothing to do: a millisecond before looking again
}
receiver.close()
subscriber.close()
console.log(`msreader: ${tasks} tasks and ${updates} weather updates`)
