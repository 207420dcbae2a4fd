// The zguide's weather update proxy (chapter 2): an XSUB connects to the weather server
// (wuserver.js) on one network, an XPUB binds on another for its subscribers (wuclient.js),
// and a Proxy forwards updates down and subscriptions up: a subscriber of the proxy gets what
// it would get from the server.
//
//   node examples/zguide/wuproxy.js [FRONTEND] [BACKEND]
//
// FRONTEND (the server) defaults to tcp://localhost:5556, BACKEND to tcp://*:8100 (the
// zguide's are tcp://192.168.55.210:5556 and tcp://10.1.1.0:8100). Runs until Ctrl-C (SIGINT
// or SIGTERM), then says how many messages went each way.
import { Proxy, XPublisher, XSubscriber } from "omq"

const [frontendEndpoint = "tcp://localhost:5556", backendEndpoint = "tcp://*:8100"] =
  process.argv.slice(2)

// This is where the weather server sits
const frontend = new XSubscriber()
frontend.connect(frontendEndpoint)
// This is our public endpoint for subscribers
const backend = new XPublisher()
await backend.bind(backendEndpoint)
console.log(`wuproxy: weather from ${frontendEndpoint} to ${backend.lastEndpoint}`)

const proxy = new Proxy(frontend, backend)
process.once("SIGINT", () => proxy.terminate())
process.once("SIGTERM", () => proxy.terminate())
await proxy.run() // until terminate()

frontend.close()
backend.close()
const { frontToBack, backToFront } = proxy.stats
console.log(
  `wuproxy: ${frontToBack.messages} updates down, ${backToFront.messages} subscriptions up`,
)
