// The zguide's shared queue: REQ clients talk to a ROUTER, REP workers to a DEALER, and a Proxy
// between the two spreads the requests over the workers and brings each reply back to its
// client. Run: node examples/shared-queue.js (after a build).
import { Context, Dealer, Proxy, Reply, Request, Router } from "omq"

const context = new Context({ ioThreads: 1 })
const frontEnd = new Router({ context })
const backEnd = new Dealer({ context })
await frontEnd.bind("tcp://127.0.0.1:*")
await backEnd.bind("tcp://127.0.0.1:*")
const proxy = new Proxy(frontEnd, backEnd)
const proxying = proxy.run()

const workers = ["w1", "w2"].map((name) => {
  const rep = new Reply({ context })
  rep.connect(backEnd.lastEndpoint)
  const serving = (async () => {
    for await (const [request] of rep) await rep.send(`${request} done by ${name}`)
  })()
  return { rep, serving }
})

const clients = ["c1", "c2", "c3"].map(async (name) => {
  const req = new Request({ context })
  req.connect(frontEnd.lastEndpoint)
  for (let i = 1; i <= 3; i++) {
    await req.send(`${name}/job${i}`)
    const [reply] = await req.receive()
    console.log(String(reply))
  }
  req.close()
})
await Promise.all(clients)

const { frontToBack, backToFront } = proxy.stats
console.log(`proxy: ${frontToBack.messages} requests in, ${backToFront.messages} replies out`)
proxy.terminate()
await proxying
for (const w of workers) w.rep.close()
await Promise.all(workers.map((w) => w.serving))
frontEnd.close()
backEnd.close()
await context.terminate()
