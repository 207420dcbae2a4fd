// The zguide's Majordomo client (RFC 7 MDP/0.1, or RFC 18 MDP/0.2 with --mdp 0.2): COUNT
// requests to SERVICE through the broker at ENDPOINT, each retried on a fresh socket when no
// reply comes within 2.5 s (3 retries). With MDP/0.2 a reply comes as it is made: partial
// replies (printed), then the final one.
//
//   node examples/patterns/mdclient.js ENDPOINT SERVICE COUNT [--mdp 0.2]   (try it with mdworker.js)
//
// Asks mmi.service first, then prints a summary; exits 0 only when every reply matched.
import { subscribe } from "node:diagnostics_channel"
import { parseArgs } from "node:util"
import { MajordomoClient } from "@omq/patterns"

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { mdp: { type: "string", default: "0.1" } },
})
const [endpoint, service = "echo", countText = "10"] = positionals
if (!endpoint || (values.mdp !== "0.1" && values.mdp !== "0.2")) {
  console.error("usage: mdclient.js ENDPOINT SERVICE COUNT [--mdp 0.1|0.2]")
  process.exit(2)
}
subscribe("omq:patterns:lazy-pirate", (event) => console.log(`I: ${event.type}`, event))
const client = new MajordomoClient(endpoint, { mdp: values.mdp })
let matched = 0
let partials = 0
const count = Number(countText)
try {
  const [status] = await client.request("mmi.service", service)
  console.log(`I: MDP/${client.mdp} mmi.service ${service}: ${String(status)}`)
  for (let sequence = 1; sequence <= count; sequence++) {
    let final = []
    // Every part of the reply, the final one last (with MDP/0.1, the one reply).
    for await (const part of client.stream(service, `hello ${sequence}`)) {
      if (final.length > 0) {
        partials++
        console.log(`I: partial reply: ${final.map(String).join(" ")}`)
      }
      final = part
    }
    if (final.length === 1 && String(final[0]) === `hello ${sequence}`) matched++
    else console.log(`E: unexpected reply from ${service}: ${final.map(String).join(" ")}`)
  }
} catch (err) {
  console.log(`E: broker seems to be offline, abandoning (${err.message})`)
}
client.close()
console.log(`${matched} of ${count} replies matched, after ${partials} partial replies`)
process.exitCode = matched === count ? 0 : 1
