// PUB -> 10 SUB fan-out over tcp, 64 B messages: a publisher process and a subscriber process
// holding 10 SUB sockets. The publisher is an XPUB (so it can wait until all 10 subscriptions
// are in) with noDrop (so every message is delivered and counted). Compares omq (ioThreads 0
// and 1) with zeromq.js in the same run.
//
//   node bench/pub-sub-fanout.js [--runs 3] [--count 50000]
import { benchArgs, exited, median, message, openLib, startPair } from "./child-processes.js"

const LIBS = ["omq-io0", "omq-io1", "zeromq"]
const SUBS = 10

async function publisher(lib, count) {
  const { XPublisher, opts, done } = await openLib(lib)
  const pub = new XPublisher({ ...opts, noDrop: true, verbosity: "allSubs" })
  await pub.bind("tcp://127.0.0.1:*")
  process.send({ endpoint: pub.lastEndpoint })
  for (let i = 0; i < SUBS; i++) await pub.receive() // every subscription is in
  const payload = Buffer.alloc(64, 1)
  for (let i = 0; i < count; i++) await sendNoDrop(pub, payload)
  await sendNoDrop(pub, Buffer.from("end"))
  process.send({ sent: true })
  await new Promise((resolve) => process.once("message", resolve)) // subscribers are done
  pub.close()
  await done()
}

/** zeromq.js's XPUB with noDrop rejects with EAGAIN at the high-water mark instead of waiting. */
async function sendNoDrop(pub, message) {
  for (;;) {
    try {
      return await pub.send(message)
    } catch (err) {
      if (err.code !== "EAGAIN") throw err
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}

async function subscribers(lib, count, endpoint) {
  const { Subscriber, opts, done } = await openLib(lib)
  const subs = Array.from({ length: SUBS }, () => new Subscriber(opts))
  for (const sub of subs) {
    sub.connect(endpoint)
    sub.subscribe("")
  }
  let first = 0
  const all = subs.map(async (sub) => {
    for (let n = 0; ; n++) {
      const [frame] = await sub.receive()
      if (first === 0) first = performance.now()
      if (frame.length === 3) return n
    }
  })
  const received = await Promise.all(all)
  const seconds = (performance.now() - first) / 1000
  const total = received.reduce((a, b) => a + b, 0)
  if (total !== SUBS * count) throw new Error(`lost messages: ${total} of ${SUBS * count}`)
  process.send({ rate: total / seconds })
  for (const sub of subs) sub.close()
  await done()
}

async function measure(lib, count) {
  const [pub, sub] = await startPair(import.meta.url, lib, "pub", "sub", { count })
  const { rate } = await message(sub, (m) => m.rate !== undefined)
  pub.send("done")
  await Promise.all([exited(pub), exited(sub)])
  return rate
}

async function main() {
  const values = benchArgs({ count: { type: "string", default: "50000" } })
  const count = Number(values.count)
  if (values.role === "pub") return publisher(values.lib, count)
  if (values.role === "sub") return subscribers(values.lib, count, values.endpoint)

  const rates = Object.fromEntries(LIBS.map((lib) => [lib, []]))
  for (let r = 0; r < Number(values.runs); r++) {
    for (const lib of LIBS) rates[lib].push(await measure(lib, count))
  }
  const zmq = median(rates.zeromq)
  console.log(
    `PUB -> ${SUBS} SUB tcp fan-out, 64 B, ${count} messages, median of ${values.runs} runs`,
  )
  console.table(
    LIBS.map((lib) => ({
      library: lib,
      "deliveries/s": `${(median(rates[lib]) / 1000).toFixed(0)}k`,
      "vs zeromq.js": (median(rates[lib]) / zmq).toFixed(2),
    })),
  )
}

await main()
