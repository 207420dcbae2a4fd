// The zguide's Titanic client (RFC 9): COUNT requests to SERVICE through the Titanic server
// behind the broker at ENDPOINT. Each is stored first (titanic.request), so the service need
// not be up yet; then each reply is asked for (titanic.reply) until it is there, and closed.
//
//   node examples/patterns/ticlient.js ENDPOINT SERVICE COUNT   (with titanic.js, mdworker.js)
//
// Prints a summary; exits 0 only when every reply matched.
import { subscribe } from "node:diagnostics_channel"
import { TitanicClient } from "@omq/patterns"

const [endpoint, service = "echo", countText = "10"] = process.argv.slice(2)
if (!endpoint) {
  console.error("usage: ticlient.js ENDPOINT SERVICE COUNT")
  process.exit(2)
}
subscribe("omq:patterns:lazy-pirate", (event) => console.log(`I: ${event.type}`, event))
const client = new TitanicClient(endpoint)
const count = Number(countText)
let matched = 0
try {
  const uuids = []
  for (let sequence = 1; sequence <= count; sequence++) {
    const uuid = await client.request(service, `hello ${sequence}`)
    console.log(`I: request ${sequence} stored as ${uuid}`)
    uuids.push(uuid)
  }
  for (const [index, uuid] of uuids.entries()) {
    const expected = `hello ${index + 1}`
    for (;;) {
      const { status, body } = await client.reply(uuid)
      if (status === "200") {
        if (String(body[0]) === expected) matched++
        else console.log(`E: unexpected reply for ${uuid}: ${String(body[0])}`)
        await client.close(uuid)
        break
      }
      if (status === "400") {
        console.log(`E: Titanic does not know ${uuid}`)
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 100)) // 300 (pending) or 500: ask again
    }
  }
} catch (err) {
  console.log(`E: broker or Titanic seems to be offline, abandoning (${err.message})`)
}
client.dispose()
console.log(`${matched} of ${count} replies matched`)
process.exitCode = matched === count ? 0 : 1
