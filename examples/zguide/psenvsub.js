// The zguide's pub-sub envelope subscriber (chapter 2): subscribes to the key "B" only, and
// prints each update as [key] content.
//
//   node examples/zguide/psenvsub.js [ENDPOINT] [COUNT]     (try it with psenvpub.js)
//
// ENDPOINT defaults to the zguide's tcp://localhost:5563. Stops after COUNT updates (default:
// never; Ctrl-C stops it); exits 0 when each was a B.
import { Subscriber } from "omq"

const [endpoint = "tcp://localhost:5563", countText] = process.argv.slice(2)
const count = countText === undefined ? Number.POSITIVE_INFINITY : Number(countText)

const subscriber = new Subscriber()
subscriber.connect(endpoint)
subscriber.subscribe("B")
process.once("SIGINT", () => subscriber.close())
process.once("SIGTERM", () => subscriber.close())

let received = 0
let others = 0
for await (const [address, contents] of subscriber) {
  console.log(`[${address}] ${contents}`)
  if (String(address) !== "B") others++
  if (++received === count) break
}
subscriber.close()
console.log(`psenvsub: ${received} updates, ${others} not B`)
process.exitCode = others === 0 ? 0 : 1
