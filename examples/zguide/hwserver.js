// The zguide's Hello World server (chapter 1): a REP socket bound to ENDPOINT answers each
// "Hello" with "World", after a tenth of a second of "work" (the zguide's is a whole second).
//
//   node examples/zguide/hwserver.js [ENDPOINT] [COUNT]     (try it with hwclient.js)
//
// ENDPOINT defaults to the zguide's tcp://*:5555. It serves COUNT requests and exits, or runs
// until Ctrl-C (SIGINT or SIGTERM), then says how many it served.
import { setTimeout as sleep } from "node:timers/promises"
import { Reply } from "omq"

const [endpoint = "tcp://*:5555", countText] = process.argv.slice(2)
const count = countText === undefined ? Number.POSITIVE_INFINITY : Number(countText)

const responder = new Reply()
await responder.bind(endpoint)
console.log(`hwserver: listening on ${responder.lastEndpoint}`)
// Closing the socket ends the for-await below.
process.once("SIGINT", () => responder.close())
process.once("SIGTERM", () => responder.close())

let served = 0
for await (const [request] of responder) {
  console.log(`Received ${request}`)
  await sleep(100) // do some "work"
  if (responder.closed) break
  await responder.send("World")
  if (++served === count) break
}
// A reply just sent is still delivered: close() lingers until it is out.
responder.close()
console.log(`hwserver: ${served} requests served`)
