// The zguide's forwarder: publishers connect to an XSUB, subscribers to an XPUB, and a Proxy
// between the two passes messages down and subscriptions up, so each subscriber gets only the
// topics it asked for. Run: node examples/forwarder.js (after a build).
import { Context, Proxy, Publisher, Subscriber, XPublisher, XSubscriber } from "omq"

const context = new Context({ ioThreads: 1 })
const frontEnd = new XSubscriber({ context })
const backEnd = new XPublisher({ context })
await frontEnd.bind("tcp://127.0.0.1:*")
await backEnd.bind("tcp://127.0.0.1:*")
const proxy = new Proxy(frontEnd, backEnd)
const proxying = proxy.run()

const weather = new Subscriber({ context })
weather.connect(backEnd.lastEndpoint)
weather.subscribe("weather")
const everything = new Subscriber({ context })
everything.connect(backEnd.lastEndpoint)
everything.subscribe("")

const publisher = new Publisher({ context })
publisher.connect(frontEnd.lastEndpoint)

// Subscriptions travel up through the proxy; until they reach the publisher its messages go
// nowhere (as with any PUB). Publish until both subscribers have heard something.
const heard = Promise.all([weather.receive(), everything.receive()])
let arrived = false
void heard.then(() => {
  arrived = true
})
while (!arrived) {
  await publisher.send(["weather", "warming up"])
  await new Promise((resolve) => setTimeout(resolve, 10))
}
await heard

await publisher.send(["sports", "3-1"])
await publisher.send(["weather", "sunny"])
// The weather subscriber skips "sports"; leftovers of the warm-up are skipped too.
let forecast
do [, forecast] = await weather.receive()
while (String(forecast) === "warming up")
console.log(`weather subscriber: ${forecast}`)
const seen = []
while (seen.length < 2) {
  const [topic, body] = (await everything.receive()).map(String)
  if (body !== "warming up") seen.push(`${topic}: ${body}`)
}
console.log(`catch-all subscriber: ${seen.join(", ")}`)

proxy.terminate()
await proxying
for (const s of [publisher, weather, everything, frontEnd, backEnd]) s.close()
await context.terminate()
