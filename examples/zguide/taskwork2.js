// The zguide's task worker with a kill signal (chapter 2): as taskwork.js, and also a SUB
// connected to the sink's control socket (tasksink2.js). A Poller waits on both; when the sink
// broadcasts KILL, every worker stops by itself.
//
//   node examples/zguide/taskwork2.js [VENTILATOR] [SINK] [CONTROL]     (start several)
//
// VENTILATOR defaults to the zguide's tcp://localhost:5557, SINK to tcp://localhost:5558,
// CONTROL to tcp://localhost:5559.
import { setTimeout as sleep } from "node:timers/promises"
import { Poller, Pull, Push, Subscriber } from "omq"

const [
  ventilator = "tcp://localhost:5557",
  sinkEndpoint = "tcp://localhost:5558",
  control = "tcp://localhost:5559",
] = process.argv.slice(2)

const receiver = new Pull()
receiver.connect(ventilator)
const sender = new Push()
sender.connect(sinkEndpoint)
const controller = new Subscriber()
controller.connect(control)
controller.subscribe() // everything
// Not in the zguide: say when both the ventilator and the sink's control socket have us
// (from then on the ventilator's PUSH counts us in, and the sink's KILL will reach us).
const connected = new Set()
for (const socket of [receiver, controller]) {
  socket.events.on("handshake", () => {
    connected.add(socket)
    if (connected.size === 2) console.log(`taskwork2: connected to ${ventilator} and ${control}`)
  })
}

const poller = new Poller()
poller.add(receiver, { readable: true })
poller.add(controller, { readable: true })

let done = 0
let killed = false
while (!killed) {
  for (const { socket } of await poller.poll()) {
    if (socket === receiver) {
      const [workload] = await receiver.receive()
      process.stdout.write(".") // show progress
      await sleep(Number(String(workload))) // do the work
      await sender.send("") // the result
      done++
    } else {
      const [command] = await controller.receive()
      killed = String(command) === "KILL"
    }
  }
}
poller.close()
receiver.close()
sender.close()
controller.close()
console.log(`\ntaskwork2: ${done} tasks done, then KILL`)
