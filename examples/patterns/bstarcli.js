// The zguide's Binary Star client (chapter 5): COUNT numbered requests to a primary/backup pair
// (bstarsrv.js). A request with no reply within 1 s goes to the other server after 2 s, on a
// fresh socket; the passive server takes it as the vote to go active.
//
//   node examples/patterns/bstarcli.js [PRIMARY BACKUP] [COUNT] [--interval MS]
//                                      [--timeout MS] [--settle MS]
//
// Defaults: tcp://localhost:5001 tcp://localhost:5002, 10 requests, one a second (the guide's).
// Prints one line per reply or failover; exits 0 only when every reply matched its request.
import { subscribe } from "node:diagnostics_channel"
import { setTimeout as sleep } from "node:timers/promises"
import { parseArgs } from "node:util"
import { BinaryStarClient } from "@omq/patterns"

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    interval: { type: "string", default: "1000" },
    timeout: { type: "string" },
    settle: { type: "string" },
  },
})
const endpoints =
  positionals.length >= 2
    ? positionals.slice(0, 2)
    : ["tcp://localhost:5001", "tcp://localhost:5002"]
const count = Number(positionals.length === 1 ? positionals[0] : (positionals[2] ?? "10"))
if (!Number.isInteger(count) || count < 1 || positionals.length > 3) {
  console.error("usage: bstarcli.js [PRIMARY BACKUP] [COUNT] [--interval MS]")
  process.exit(2)
}
subscribe("omq:patterns:binary-star", (event) => {
  if (event.type === "client-failover") {
    console.log(`W: no response from ${event.from}, failing over to ${event.to}`)
  } else console.log(`I: ${event.type}`, event)
})
const client = new BinaryStarClient(endpoints, {
  ...(values.timeout ? { timeout: Number(values.timeout) } : {}),
  ...(values.settle ? { settle: Number(values.settle) } : {}),
})
console.log(`I: connecting to ${endpoints.join(" and ")}`)
let matched = 0
for (let sequence = 1; sequence <= count; sequence++) {
  const [reply] = await client.request(String(sequence))
  if (String(reply) === String(sequence)) {
    matched++
    console.log(`I: server replied OK (${sequence})`)
  } else console.log(`E: bad reply from server: ${String(reply)}`)
  if (sequence < count) await sleep(Number(values.interval))
}
client.close()
console.log(`${matched} of ${count} replies matched`)
process.exitCode = matched === count ? 0 : 1
