// The zguide's request-reply client (chapter 2): as hwclient.js, but it connects to a broker
// (rrbroker.js or msgqueue.js) rather than to a server, and never learns which worker
// answered.
//
//   node examples/zguide/rrclient.js [ENDPOINT] [COUNT]
//
// ENDPOINT defaults to the zguide's tcp://localhost:5559, COUNT to 10. Exits 0 when every
// reply was "World".
import { Request } from "omq"

const [endpoint = "tcp://localhost:5559", countText = "10"] = process.argv.slice(2)
const count = Number(countText)

const requester = new Request()
requester.connect(endpoint)

let worlds = 0
for (let n = 0; n < count; n++) {
  await requester.send("Hello")
  const [reply] = await requester.receive()
  console.log(`Received reply ${n} [${reply}]`)
  if (String(reply) === "World") worlds++
}
requester.close()
console.log(`rrclient: ${worlds} of ${count} replies were World`)
process.exitCode = worlds === count ? 0 : 1
