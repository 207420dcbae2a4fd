// The zguide's Paranoid Pirate worker (RFC 6): echoes each request from the queue at BACKEND,
// heartbeats, and dials again (1 s, doubling up to 32 s) when the queue goes silent.
//
//   node examples/patterns/ppworker.js BACKEND [INTERVAL]   e.g. tcp://127.0.0.1:5556 (1000 ms)
import { subscribe } from "node:diagnostics_channel"
import { ParanoidPirateWorker } from "@omq/patterns"

const [backend = "tcp://127.0.0.1:5556", interval = "1000"] = process.argv.slice(2)
subscribe("omq:patterns:paranoid-pirate", (event) => console.log(`I: ${event.type}`, event))
const worker = new ParanoidPirateWorker(
  backend,
  (request) => {
    console.log(`I: normal reply (${request.map(String).join(" ")})`)
    return request
  },
  { interval: Number(interval) },
)
process.once("SIGINT", () => worker.close())
process.once("SIGTERM", () => worker.close())
