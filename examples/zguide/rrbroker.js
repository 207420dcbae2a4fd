// The zguide's request-reply broker (chapter 2): a ROUTER for clients (rrclient.js) and a
// DEALER for workers (rrworker.js), and a loop that polls both and passes each message, every
// frame of it, to the other side. The ROUTER puts the client's routing id in front of a
// request; the DEALER spreads requests over the workers and fair-queues their replies, which
// carry that id back, so the ROUTER knows whom each reply is for. msgqueue.js is this loop in
// one call, a Proxy.
//
//   node examples/zguide/rrbroker.js [FRONTEND] [BACKEND]
//
// FRONTEND defaults to the zguide's tcp://*:5559, BACKEND to tcp://*:5560. Runs until Ctrl-C
// (SIGINT or SIGTERM), then says how many messages went each way.
import { Dealer, Poller, Router } from "omq"

const [frontendEndpoint = "tcp://*:5559", backendEndpoint = "tcp://*:5560"] = process.argv.slice(2)

const frontend = new Router()
const backend = new Dealer()
await frontend.bind(frontendEndpoint)
await backend.bind(backendEndpoint)
console.log(`rrbroker: clients on ${frontend.lastEndpoint}, workers on ${backend.lastEndpoint}`)

const poller = new Poller()
poller.add(frontend, { readable: true })
poller.add(backend, { readable: true })
// The poll resolves with no socket once both are closed.
let interrupted = false
const stop = () => {
  interrupted = true
  frontend.close()
  backend.close()
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)

let requests = 0
let replies = 0
while (!interrupted) {
  for (const { socket } of await poller.poll()) {
    const message = await socket.receive()
    try {
      // A DEALER with no worker yet waits here: an interrupt then ends the wait.
      await (socket === frontend ? backend : frontend).send(message)
    } catch (err) {
      if (interrupted) break
      throw err
    }
    if (socket === frontend) requests++
    else replies++
  }
}
poller.close()
console.log(`rrbroker: ${requests} requests in, ${replies} replies out`)
