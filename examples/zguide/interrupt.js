// The zguide's interrupt handling (chapter 2): Ctrl-C (SIGINT), or SIGTERM, while the server
// waits in receive(). The handler closes the socket; the waiting receive() then rejects, and
// the server leaves its loop and exits cleanly, with no process.exit(). Meanwhile a REP bound
// to ENDPOINT answers "World" to whatever comes (hwclient.js can talk to it).
//
//   node examples/zguide/interrupt.js [ENDPOINT]     (then press Ctrl-C)
//
// ENDPOINT defaults to the zguide's tcp://*:5555.
import { Reply } from "omq"

const [endpoint = "tcp://*:5555"] = process.argv.slice(2)

const socket = new Reply()
await socket.bind(endpoint)
console.log(`interrupt: listening on ${socket.lastEndpoint}; press Ctrl-C to stop`)

let interrupted = false
const interrupt = () => {
  interrupted = true
  socket.close()
}
// Once: a second Ctrl-C kills the process the usual way.
process.once("SIGINT", interrupt)
process.once("SIGTERM", interrupt)

let requests = 0
try {
  for (;;) {
    await socket.receive() // rejects when the interrupt closes the socket
    requests++
    await socket.send("World")
  }
} catch (err) {
  if (!interrupted) throw err
  console.log("W: interrupt received, killing server…")
}
console.log(`interrupt: ${requests} requests answered before the interrupt`)
