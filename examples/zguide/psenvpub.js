// The zguide's pub-sub envelope publisher (chapter 2): each update is two frames, the key
// (the envelope: "A" or "B") and the content. Subscriptions match the start of the first
// frame, so a subscriber picks updates by key and the content never gets in the way.
//
//   node examples/zguide/psenvpub.js [ENDPOINT]     (try it with psenvsub.js)
//
// ENDPOINT defaults to the zguide's tcp://*:5563. Publishes an A and a B every tenth of a
// second (the zguide's, every second) until Ctrl-C (SIGINT or SIGTERM).
import { setTimeout as sleep } from "node:timers/promises"
import { Publisher } from "omq"

const [endpoint = "tcp://*:5563"] = process.argv.slice(2)

const publisher = new Publisher()
await publisher.bind(endpoint)
console.log(`psenvpub: publishing on ${publisher.lastEndpoint}`)
process.once("SIGINT", () => publisher.close())
process.once("SIGTERM", () => publisher.close())

let rounds = 0
while (!publisher.closed) {
  // Write two messages, each with an envelope and content
  await publisher.send(["A", "We don't want to see this"])
  await publisher.send(["B", "We would like to see this"])
  rounds++
  await sleep(100)
}
console.log(`psenvpub: ${rounds} A and ${rounds} B updates published`)
