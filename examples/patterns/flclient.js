// The zguide's Freelance client (RFC 10, model 3): one ROUTER connected to every server given,
// pinging each every 2 s; each request goes to the first live server and to the next after 3 s
// without a reply. Sends COUNT (10) numbered requests, one after the other.
//
//   node examples/patterns/flclient.js ENDPOINT...   (try it with a few flserver.js)
//
// Prints retries and a summary; exits 0 only when every reply matched its request.
import { subscribe } from "node:diagnostics_channel"
import { FreelanceClient } from "@omq/patterns"

const endpoints = process.argv.slice(2)
if (endpoints.length === 0) {
  console.error("usage: flclient.js ENDPOINT...")
  process.exit(2)
}
const count = 10
subscribe("omq:patterns:freelance", (event) => console.log(`I: ${event.type}`, event))
const client = new FreelanceClient()
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
console.log(`I: average round trip ${average} ms`)
console.log(`${matched} of ${count} replies matched`)
process.exitCode = matched === count ? 0 : 1
