// The zguide's Clone server (RFC 12, CHP): the hashmap on three ports. Snapshots on PORT
// (ROUTER), updates on PORT + 1 (PUB, with HUGZ when idle), clients' sets on PORT + 2 (SUB),
// each republished with the next sequence number; a key set with a ttl is deleted when it ends.
//
//   node examples/patterns/clonesrv.js PORT [--host HOST] [--hugz MS]   (then clonecli.js)
//
// PORT 0 picks three free ports. HOST defaults to every interface, HUGZ to 1,000 ms.
import { subscribe } from "node:diagnostics_channel"
import { parseArgs } from "node:util"
import { CloneServer } from "@omq/patterns"

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { host: { type: "string", default: "*" }, hugz: { type: "string", default: "1000" } },
})
const port = Number(positionals[0] ?? "5556")
// One line per event (sequence numbers are bigints, which JSON cannot write).
subscribe("omq:patterns:clone", ({ type, endpoint, side, ...rest }) => {
  console.log(`I: ${type} ${JSON.stringify(rest, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`)
})
const server = await CloneServer.bind(
  { host: values.host, port },
  { hugzInterval: Number(values.hugz) },
)
const p = server.port
console.log(`I: clone server on ${server.endpoint} (updates on ${p + 1}, collector on ${p + 2})`)
process.once("SIGINT", () => server.close())
process.once("SIGTERM", () => server.close())
