// The zguide's Freelance server (RFC 10, model 3): a ROUTER at ENDPOINT whose routing id is its
// endpoint; it answers PING with PONG and echoes each request's body.
//
//   node examples/patterns/flserver.js ENDPOINT   e.g. tcp://127.0.0.1:5555 (then flclient.js)
import { subscribe } from "node:diagnostics_channel"
import { FreelanceServer } from "@omq/patterns"

const [endpoint = "tcp://127.0.0.1:5555"] = process.argv.slice(2)
subscribe("omq:patterns:freelance", (event) => console.log(`I: ${event.type}`, event))
const server = await FreelanceServer.bind(endpoint, (request) => request)
console.log(`I: freelance server on ${server.endpoint}`)
process.once("SIGINT", () => server.close())
process.once("SIGTERM", () => server.close())
