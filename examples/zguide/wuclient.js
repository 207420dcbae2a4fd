// The zguide's weather update client (chapter 1): a SUB socket connects to the weather server
// at ENDPOINT, subscribes to one zip code, and averages the temperature of COUNT updates.
//
//   node examples/zguide/wuclient.js [ENDPOINT] [ZIPCODE] [COUNT]     (try it with wuserver.js)
//
// ENDPOINT defaults to the zguide's tcp://localhost:5556, ZIPCODE to 10001, COUNT to 100.
// Exits 0 when every update received was for that zip code.
import { Subscriber } from "omq"

const [endpoint = "tcp://localhost:5556", zipcode = "10001", countText = "100"] =
  process.argv.slice(2)
const count = Number(countText)

console.log("Collecting updates from weather server…")
const subscriber = new Subscriber()
subscriber.connect(endpoint)
// A subscription is a prefix of the message: the space keeps 10001 from matching 100010.
subscriber.subscribe(`${zipcode} `)

let totalTemperature = 0
let others = 0
for (let n = 0; n < count; n++) {
  const [update] = await subscriber.receive()
  const [zip, temperature] = String(update).split(" ")
  if (zip !== zipcode) others++
  totalTemperature += Number(temperature)
}
subscriber.close()
console.log(
  `Average temperature for zipcode '${zipcode}' was ${Math.round(totalTemperature / count)}F`,
)
console.log(`wuclient: ${count} updates for ${zipcode}, ${others} for other zip codes`)
process.exitCode = others === 0 ? 0 : 1
