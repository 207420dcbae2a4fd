// The zguide's Majordomo worker (RFC 7 MDP/0.1, or RFC 18 MDP/0.2 with --mdp 0.2): offers
// SERVICE at the broker ENDPOINT and echoes each request, with MDP/0.2 after a partial reply
// ("working on", request…). Heartbeats, and comes back on a fresh socket when the broker goes
// silent. SIGINT or SIGTERM drains it: the request in hand is answered, then it leaves, exit 0.
//
//   node examples/patterns/mdworker.js ENDPOINT SERVICE [--mdp 0.2]   e.g. tcp://127.0.0.1:5555 echo
import { subscribe } from "node:diagnostics_channel"
import { parseArgs } from "node:util"
import { MajordomoWorker } from "@omq/patterns"

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { mdp: { type: "string", default: "0.1" } },
})
if (values.mdp !== "0.1" && values.mdp !== "0.2") {
  console.error("usage: mdworker.js ENDPOINT SERVICE [--mdp 0.1|0.2]")
  process.exit(2)
}
const [endpoint = "tcp://127.0.0.1:5555", service = "echo"] = positionals
subscribe("omq:patterns:majordomo", (event) => console.log(`I: ${event.type}`, event))
const worker = new MajordomoWorker(
  endpoint,
  service,
  async (request, reply) => {
    console.log(`I: ${service} request (${request.map(String).join(" ")})`)
    await reply.partial(["working on", ...request]) // MDP/0.1 has no partial replies: not sent
    return request
  },
  { mdp: values.mdp },
)
console.log(`I: MDP/${worker.mdp} worker for ${service} at ${endpoint}`)
const leave = () => void worker.drain()
process.once("SIGINT", leave)
process.once("SIGTERM", leave)
