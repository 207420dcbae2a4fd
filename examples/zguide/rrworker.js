// The zguide's request-reply worker (chapter 2): a REP socket that connects to the broker's
// back end (rrbroker.js or msgqueue.js) rather than binding, and answers "World" to each
// request after a tenth of a second of "work" (the zguide's is a whole second). Start as many
// as you like: the broker spreads the requests over them.
//
//   node examples/zguide/rrworker.js [ENDPOINT]
//
// ENDPOINT defaults to the zguide's tcp://localhost:5560. Runs until Ctrl-C (SIGINT or
// SIGTERM), then says how many requests it answered.
import { setTimeout as sleep } from "node:timers/promises"
import { Reply } from "omq"

const [endpoint = "tcp://localhost:5560"] = process.argv.slice(2)

const responder = new Reply()
responder.connect(endpoint)
console.log(`rrworker: working for ${endpoint}`)
process.once("SIGINT", () => responder.close())
process.once("SIGTERM", () => responder.close())

let answered = 0
for await (const [request] of responder) {
  console.log(`Received request: [${request}]`)
  await sleep(100) // do some "work"
  if (responder.closed) break
  await responder.send("World")
  answered++
}
console.log(`rrworker: ${answered} requests answered`)
