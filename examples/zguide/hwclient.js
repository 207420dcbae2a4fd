// The zguide's Hello World client (chapter 1): a REQ socket connects to the server at
// ENDPOINT, sends "Hello" COUNT times and waits for each "World".
//
//   node examples/zguide/hwclient.js [ENDPOINT] [COUNT]     (try it with hwserver.js)
//
// ENDPOINT defaults to the zguide's tcp://localhost:5555, COUNT to 10. Exits 0 when every
// reply was "World".
import { Request } from "omq"

const [endpoint = "tcp://localhost:5555", countText = "10"] = process.argv.slice(2)
const count = Number(countText)

console.log("Connecting to hello world server…")
const requester = new Request()
requester.connect(endpoint)

let worlds = 0
for (let n = 0; n < count; n++) {
  console.log(`Sending Hello ${n}…`)
  await requester.send("Hello")
  const [reply] = await requester.receive()
  console.log(`Received ${reply} ${n}`)
  if (String(reply) === "World") worlds++
}
requester.close()
console.log(`hwclient: ${worlds} of ${count} replies were World`)
process.exitCode = worlds === count ? 0 : 1
