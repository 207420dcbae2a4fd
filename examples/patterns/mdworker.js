// The zguide's Majordomo worker (RFC 7): offers SERVICE at the broker ENDPOINT and echoes each
// request; heartbeats, and comes back on a fresh socket when the broker goes silent.
//
//   node examples/patterns/mdworker.js ENDPOINT SERVICE    e.g. tcp://127.0.0.1:5555 echo
import { subscribe } from "node:diagnostics_channel"
import { MajordomoWorker } from "@omq/patterns"

const [endpoint = "tcp://127.0.0.1:5555", service = "echo"] = process.argv.slice(2)
subscribe("omq:patterns:majordomo", (event) => console.log(`I: ${event.type}`, event))
const worker = new MajordomoWorker(endpoint, service, (request) => {
  console.log(`I: ${service} request (${request.map(String).join(" ")})`)
  return request
})
console.log(`I: worker for ${service} at ${endpoint}`)
process.once("SIGINT", () => worker.close())
process.once("SIGTERM", () => worker.close())
