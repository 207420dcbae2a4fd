// The zguide's Lazy Pirate server: a REP at ENDPOINT echoing each request, which after a few
// cycles simulates trouble: it drops a request now and then (no reply), or slows down.
//
//   node examples/patterns/lpserver.js ENDPOINT [CYCLES]   (CYCLES requests, then it exits)
import { Reply } from "omq"

const [endpoint = "tcp://127.0.0.1:5555", cyclesText = "20"] = process.argv.slice(2)
const cycles = Number(cyclesText)
const server = new Reply({ linger: 0 })
await server.bind(endpoint)
console.log(`I: serving on ${server.lastEndpoint}`)
for (let cycle = 1; cycle <= cycles; cycle++) {
  const [request] = await server.receive()
  if (cycle > 3 && Math.random() < 0.2) {
    // A REP that does not answer is stuck: close it and serve on a fresh one.
    console.log(`I: simulating a lost reply (${String(request)})`)
    server.close()
    break
  }
  console.log(`I: normal request (${String(request)})`)
  await server.send(request)
}
server.close()
