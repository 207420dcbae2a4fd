// The zguide's weather update server (chapter 1): a PUB socket bound to ENDPOINT publishes
// random "zipcode temperature relhumidity" updates to whoever subscribes.
//
//   node examples/zguide/wuserver.js [ENDPOINT]     (try it with wuclient.js)
//
// ENDPOINT defaults to the zguide's tcp://*:5556. Runs until Ctrl-C (SIGINT or SIGTERM), then
// says how many updates it published.
import { randomInt } from "node:crypto"
import { setTimeout as sleep } from "node:timers/promises"
import { Publisher } from "omq"

const [endpoint = "tcp://*:5556"] = process.argv.slice(2)

const publisher = new Publisher()
await publisher.bind(endpoint)
console.log(`wuserver: publishing on ${publisher.lastEndpoint}`)
process.once("SIGINT", () => publisher.close())
process.once("SIGTERM", () => publisher.close())

let published = 0
while (!publisher.closed) {
  // The zguide draws from 100,000 zip codes; from 100, a subscriber's 100 updates take a
  // fraction of a second rather than minutes.
  const zipcode = 10000 + randomInt(100)
  const temperature = randomInt(215) - 80
  const relhumidity = randomInt(50) + 10
  // A PUB never waits for its subscribers: an update nobody wants, or a slow subscriber has
  // no room for, is dropped.
  try {
    await publisher.send(`${zipcode} ${temperature} ${relhumidity}`)
  } catch (err) {
    if (publisher.closed) break // interrupted while the send waited
    throw err
  }
  published++
  // The zguide's runs flat out. A breath of a millisecond every 100 updates (some 50,000 a
  // second) lets the signal handlers in, and leaves the subscribers a CPU.
  if (published % 100 === 0) await sleep(1)
}
console.log(`wuserver: ${published} updates published`)
