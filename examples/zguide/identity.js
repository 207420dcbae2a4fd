// The zguide's identity check (chapter 3): a ROUTER receives from two REQ sockets, one
// anonymous and one that sets its routing id to "PEER2", and dumps each message frame by
// frame. The ROUTER prefixes the anonymous peer's messages with an id it made up (5 bytes, a
// zero and a counter, as libzmq's), the other's with "PEER2"; then come REQ's empty delimiter
// and the body.
//
//   node examples/zguide/identity.js
import { Request, Router } from "omq"

const sink = new Router()
await sink.bind("inproc://example")

// First allow 0MQ to set the identity
const anonymous = new Request()
anonymous.connect("inproc://example")
await anonymous.send("ROUTER uses a generated 5 byte identity")
const first = await sink.receive()
dump(first)

// Then set the identity ourselves
const identified = new Request({ routingId: "PEER2" })
identified.connect("inproc://example")
await identified.send("ROUTER uses REQ's socket identity")
const second = await sink.receive()
dump(second)

sink.close()
anonymous.close()
identified.close()

const generated = first[0].length === 5 && first[0][0] === 0
const chosen = String(second[0]) === "PEER2"
console.log(
  `identity: the first id was ${generated ? "generated" : "not generated"}, the second ${second[0]}`,
)
process.exitCode = generated && chosen ? 0 : 1

/** Prints a message a frame a line: its size, then its text, or its bytes in hex if binary. */
function dump(frames) {
  console.log("----------------------------------------")
  for (const frame of frames) {
    const text = [...frame].every((b) => b >= 32 && b < 127)
    console.log(
      `[${String(frame.length).padStart(3, "0")}] ${text ? frame : frame.toString("hex")}`,
    )
  }
}
