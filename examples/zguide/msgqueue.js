// The zguide's message queue broker (chapter 2): rrbroker.js's ROUTER and DEALER, with its
// loop replaced by a Proxy (libzmq's zmq_proxy), which forwards both ways until terminated.
//
//   node examples/zguide/msgqueue.js [FRONTEND] [BACKEND]     (with rrclient.js, rrworker.js)
//
// FRONTEND defaults to the zguide's tcp://*:5559, BACKEND to tcp://*:5560. Runs until Ctrl-C
// (SIGINT or SIGTERM), then says how many messages went each way.
import { Dealer, Proxy, Router } from "omq"

const [frontendEndpoint = "tcp://*:5559", backendEndpoint = "tcp://*:5560"] = process.argv.slice(2)

const frontend = new Router()
const backend = new Dealer()
await frontend.bind(frontendEndpoint)
await backend.bind(backendEndpoint)
console.log(`msgqueue: clients on ${frontend.lastEndpoint}, workers on ${backend.lastEndpoint}`)

const proxy = new Proxy(frontend, backend)
process.once("SIGINT", () => proxy.terminate())
process.once("SIGTERM", () => proxy.terminate())
await proxy.run() // until terminate()

frontend.close()
backend.close()
const { frontToBack, backToFront } = proxy.stats
console.log(`msgqueue: ${frontToBack.messages} requests in, ${backToFront.messages} replies out`)
