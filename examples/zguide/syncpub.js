// The zguide's synchronized publisher (chapter 2): a PUB drops what its subscribers are not
// yet connected for, so this one waits until SUBSCRIBERS subscribers (syncsub.js) have said,
// over a REQ-REP pair, that they are listening, and only then broadcasts UPDATES updates and
// an "END".
//
// The zguide's subscriber sleeps a second before it says so, and admits that may not be
// enough. Here the publisher says "hello" on its PUB meanwhile, every 10 ms, and a subscriber
// syncs once it has heard one: the PUB has its subscription then, for sure (the more robust
// model the zguide describes).
//
//   node examples/zguide/syncpub.js [PUBLISH] [SYNC] [SUBSCRIBERS] [UPDATES]
//
// PUBLISH defaults to the zguide's tcp://*:5561, SYNC to tcp://*:5562, SUBSCRIBERS to 10,
// UPDATES to 1000000.
import { Publisher, Reply } from "omq"

const [
  publishEndpoint = "tcp://*:5561",
  syncEndpoint = "tcp://*:5562",
  subscribersText = "10",
  updatesText = "1000000",
] = process.argv.slice(2)
const subscribers = Number(subscribersText)
const updates = Number(updatesText)

const publisher = new Publisher()
// No high-water mark: for a subscriber that falls behind, updates wait rather than being
// dropped. (The zguide sets one of 1,100,000, room for its million and then some.)
publisher.sendHighWaterMark = 0
await publisher.bind(publishEndpoint)
const syncservice = new Reply()
await syncservice.bind(syncEndpoint)
console.log(`syncpub: publishing on ${publisher.lastEndpoint}, sync on ${syncservice.lastEndpoint}`)

console.log("Waiting for subscribers")
const hello = setInterval(() => publisher.trySend("hello"), 10)
for (let synced = 0; synced < subscribers; synced++) {
  await syncservice.receive() // a subscriber is listening
  await syncservice.send("")
}
clearInterval(hello)

console.log("Broadcasting messages")
for (let n = 0; n < updates; n++) await publisher.send("Rhubarb")
await publisher.send("END")
publisher.close()
syncservice.close()
console.log(`syncpub: ${updates} updates to ${subscribers} subscribers`)
