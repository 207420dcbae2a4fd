// The zguide's synchronized subscriber (chapter 2): subscribes to everything the publisher
// (syncpub.js) sends, waits until it hears the publisher's "hello" (its subscription has
// arrived then), tells the publisher over REQ-REP that it is listening, and counts updates
// until "END".
//
//   node examples/zguide/syncsub.js [PUBLISHER] [SYNC]     (start several, then syncpub.js)
//
// PUBLISHER defaults to the zguide's tcp://localhost:5561, SYNC to tcp://localhost:5562.
import { Request, Subscriber } from "omq"

const [publisherEndpoint = "tcp://localhost:5561", syncEndpoint = "tcp://localhost:5562"] =
  process.argv.slice(2)

// First, connect our subscriber socket
const subscriber = new Subscriber()
subscriber.connect(publisherEndpoint)
subscriber.subscribe()
// The zguide sleeps a second here; a hello says for sure that the publisher has us.
console.log("syncsub: waiting for the publisher")
await subscriber.receive()

// Second, synchronize with publisher
const syncclient = new Request()
syncclient.connect(syncEndpoint)
await syncclient.send("")
await syncclient.receive()
syncclient.close()

// Third, get our updates and report how many we got
let updates = 0
for (;;) {
  const [message] = await subscriber.receive()
  const text = String(message)
  if (text === "END") break
  if (text !== "hello") updates++
}
subscriber.close()
console.log(`Received ${updates} updates`)
