// The zguide's Majordomo broker (RFC 7 MDP/0.1 and RFC 18 MDP/0.2 on one ENDPOINT, with RFC 8's
// MMI): clients (mdclient.js) and workers (mdworker.js) of either version; requests routed by
// service name, heartbeats both ways. A 0.1 client of a 0.2 worker gets its final reply only.
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
