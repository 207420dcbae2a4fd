// The zguide's Majordomo broker (RFC 7, MDP/0.1, with RFC 8's MMI): clients (mdclient.js) and
// workers (mdworker.js) on one ENDPOINT; requests routed by service name, heartbeats both ways.
//
//   node examples/patterns/mdbroker.js ENDPOINT            e.g. tcp://*:5555
import { subscribe } from "node:diagnostics_channel"
import { MajordomoBroker } from "@omq/patterns"

const [endpoint = "tcp://127.0.0.1:5555"] = process.argv.slice(2)
subscribe("omq:patterns:majordomo", (event) => console.log(`I: ${event.type}`, event))
const broker = await MajordomoBroker.bind(endpoint)
console.log(`I: broker on ${broker.socket.lastEndpoint}`)
process.once("SIGINT", () => broker.close())
process.once("SIGTERM", () => broker.close())
