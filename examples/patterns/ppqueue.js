// The zguide's Paranoid Pirate queue (RFC 6): clients (REQ or Lazy Pirate) on FRONTEND, workers
// (ppworker.js) on BACKEND; heartbeats both ways, silent workers forgotten.
//
//   node examples/patterns/ppqueue.js FRONTEND BACKEND     e.g. tcp://*:5555 tcp://*:5556
import { subscribe } from "node:diagnostics_channel"
import { ParanoidPirateQueue } from "@omq/patterns"

const [frontend = "tcp://127.0.0.1:5555", backend = "tcp://127.0.0.1:5556"] = process.argv.slice(2)
subscribe("omq:patterns:paranoid-pirate", (event) => console.log(`I: ${event.type}`, event))
const queue = await ParanoidPirateQueue.bind(frontend, backend)
console.log(
  `I: queue on ${queue.frontend.lastEndpoint} (clients), ${queue.backend.lastEndpoint} (workers)`,
)
process.once("SIGINT", () => queue.close())
process.once("SIGTERM", () => queue.close())
