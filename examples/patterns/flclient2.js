// The zguide's Freelance client, model 2 ("brutal shotgun massacre"): one DEALER connected to
// every server sends each request, `["", sequence, body]`, to all of them and takes the first
// reply; later ones are dropped. No reply from any server within 2.5 s abandons the run. Its
// servers answer `[sequence, reply]` from a REP; flserver.js (an echo) does.
//
//   node examples/patterns/flclient2.js [--count N] ENDPOINT...   (N requests, default 10)
//
// Prints a summary (with the later replies dropped, one per request and extra server); exits 0
// only when every reply matched its request.
import { subscribe } from "node:diagnostics_channel"
import { parseArgs } from "node:util"
import { FreelanceShotgunClient } from "@omq/patterns"

const { values, positionals: endpoints } = parseArgs({
  allowPositionals: true,
  options: { count: { type: "string", default: "10" } },
})
const count = Number(values.count)
if (endpoints.length === 0 || !Number.isInteger(count) || count < 1) {
  console.error("usage: flclient2.js [--count N] ENDPOINT...")
  process.exit(2)
}
let stale = 0
subscribe("omq:patterns:freelance", (event) => {
  if (event.type === "stale-reply") stale++
  else console.log(`I: ${event.type}`, event)
})
const client = new FreelanceShotgunClient()
for (const endpoint of endpoints) client.connect(endpoint)
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
console.log(`I: average round trip ${average} ms, ${stale} later replies dropped`)
console.log(`${matched} of ${count} replies matched`)
process.exitCode = matched === count ? 0 : 1
