// The zguide's multiple socket poller (chapter 2): as msreader.js, a PULL connected to the
// task ventilator (taskvent.js) and a SUB connected to the weather server (wuserver.js), but a
// Poller waits until either has a message: no sleeping, no spinning, one message from each
// ready socket in turn.
//
//   node examples/zguide/mspoller.js [VENTILATOR] [WEATHER] [COUNT]
//
// VENTILATOR defaults to the zguide's tcp://localhost:5557, WEATHER to tcp://localhost:5556.
// It stops once it has COUNT messages from each (default: never; Ctrl-C stops it).
import { Poller, Pull, Subscriber } from "omq"

const [ventilator = "tcp://localhost:5557", weather = "tcp://localhost:5556", countText] =
  process.argv.slice(2)
const count = countText === undefined ? Number.POSITIVE_INFINITY : Number(countText)

const receiver = new Pull()
receiver.connect(ventilator)
const subscriber = new Subscriber()
subscriber.connect(weather)
subscriber.subscribe("10001 ")
console.log(`mspoller: polling tasks from ${ventilator} and weather from ${weather}`)

const poller = new Poller()
poller.add(receiver, { readable: true })
poller.add(subscriber, { readable: true })
// The poll resolves with no socket once both are closed.
const stop = () => {
  receiver.close()
  subscriber.close()
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)

let tasks = 0
let updates = 0
while (tasks < count || updates < count) {
  const ready = await poller.poll()
  if (ready.length === 0) break // interrupted
  for (const { socket } of ready) {
    const [message] = await socket.receive()
    if (socket === receiver) {
      console.log(`task: ${message}`)
      tasks++
    } else {
      console.log(`weather: ${message}`)
      updates++
    }
  }
}
poller.close()
stop()
console.log(`mspoller: ${tasks} tasks and ${updates} weather updates`)
