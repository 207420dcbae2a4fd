// The zguide's Majordomo client (RFC 7): COUNT requests to SERVICE through the broker at
// ENDPOINT, each retried on a fresh socket when no reply comes within 2.5 s (3 retries).
//
//   node examples/patterns/mdclient.js ENDPOINT SERVICE COUNT   (try it with mdworker.js)
//
// Asks mmi.service first, then prints a summary; exits 0 only when every reply matched.
import { subscribe } from "node:diagnostics_channel"
import { MajordomoClient } from "@omq/patterns"

const [endpoint, service = "echo", countText = "10"] = process.argv.slice(2)
if (!endpoint) {
  console.error("usage: mdclient.js ENDPOINT SERVICE COUNT")
  process.exit(2)
}
subscribe("omq:patterns:lazy-pirate", (event) => console.log(`I: ${event.type}`, event))
const client = new MajordomoClient(endpoint)
let matched = 0
const count = Number(countText)
try {
  const [status] = await client.request("mmi.service", service)
  console.log(`I: mmi.service ${service}: ${String(status)}`)
  for (let sequence = 1; sequence <= count; sequence++) {
    const [reply] = await client.request(service, `hello ${sequence}`)
    if (String(reply) === `hello ${sequence}`) matched++
    else console.log(`E: unexpected reply from ${service}: ${String(reply)}`)
  }
} catch (err) {
  console.log(`E: broker seems to be offline, abandoning (${err.message})`)
}
client.close()
console.log(`${matched} of ${count} replies matched`)
process.exitCode = matched === count ? 0 : 1
