// The zguide's Freelance client, model 1 ("simple retry and failover"): each request goes to
// the servers in turn, on a fresh REQ socket each time, until one answers within 1 s (with one
// server: three tries). Any REP echo server does, and so does flserver.js.
//
//   node examples/patterns/flclient1.js [--count N] ENDPOINT...   (N requests, default 10)
//
// Prints retries and a summary; exits 0 only when every reply matched its request.
import { subscribe } from "node:diagnostics_channel"
import { parseArgs } from "node:util"
import { FreelanceFailoverClient } from "@omq/patterns"

const { values, positionals: endpoints } = parseArgs({
  allowPositionals: true,
  options: { count: { type: "string", default: "10" } },
})
const count = Number(values.count)
if (endpoints.length === 0 || !Number.isInteger(count) || count < 1) {
  console.error("usage: flclient1.js [--count N] ENDPOINT...")
  process.exit(2)
}
subscribe("omq:patterns:freelance", (event) => console.log(`I: ${event.type}`, event))
const client = new FreelanceFailoverClient(endpoints)
let matched = 0
const started = performance.now()
try {
  for (let sequence = 1; sequence <= count; sequence++) {
    const [reply] = await client.request(`request ${sequence}`)
    if (String(reply) === `request ${sequence}`) matched++
    else console.log(`E: unexpected reply: ${String(reply)}`)
  }
} catch (err) {
  console.log(`E: no server answered, abandoning (${err.message})`)
}
const average = ((performance.now() - started) / count).toFixed(2)
client.close()
console.log(`I: average round trip ${average} ms`)
console.log(`${matched} of ${count} replies matched`)
process.exitCode = matched === count ? 0 : 1
