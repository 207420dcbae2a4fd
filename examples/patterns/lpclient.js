// The zguide's Lazy Pirate client: COUNT requests to a REP server at ENDPOINT, each retried on
// a fresh socket when no reply comes within 2.5 s, abandoned after 3 retries.
//
//   node examples/patterns/lpclient.js ENDPOINT COUNT      (try it with lpserver.js)
//
// Prints one line per reply, retry or abandon; exits 0 only when every reply matched.
import { subscribe } from "node:diagnostics_channel"
import { LazyPirateClient } from "@omq/patterns"

const [endpoint, countText = "10"] = process.argv.slice(2)
if (!endpoint) {
  console.error("usage: lpclient.js ENDPOINT COUNT")
  process.exit(2)
}
subscribe("omq:patterns:lazy-pirate", (event) => console.log(`I: ${event.type}`, event))
const client = new LazyPirateClient(endpoint)
let matched = 0
const count = Number(countText)
try {
  for (let sequence = 1; sequence <= count; sequence++) {
    const [reply] = await client.request(String(sequence))
    if (String(reply) === String(sequence)) {
      matched++
      console.log(`I: server replied OK (${sequence})`)
    } else console.log(`E: malformed reply from server: ${String(reply)}`)
  }
} catch (err) {
  console.log(`E: server seems to be offline, abandoning (${err.message})`)
}
client.close()
console.log(`${matched} of ${count} replies matched`)
process.exitCode = matched === count ? 0 : 1
