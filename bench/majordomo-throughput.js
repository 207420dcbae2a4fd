// Majordomo (MDP/0.1) echo round trips per second over tcp: 1 client, a broker, 4 workers.
// omq: @omq/patterns' MajordomoClient / MajordomoBroker / MajordomoWorker. zeromq.js: the same
// topology written directly on zeromq.js sockets (the minimal broker, worker and client of RFC 7
// below: REQ client, ROUTER broker, DEALER workers, no heartbeats). Each library runs in a
// child process of its own, interleaved run by run; the median of --runs is printed.
//
//   node bench/majordomo-throughput.js [--runs 3] [--seconds 3] [--size 64]
import { fork } from "node:child_process"
import { once } from "node:events"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: {
    role: { type: "string" },
    runs: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    size: { type: "string", default: "64" },
  },
})
const seconds = Number(values.seconds)
const body = Buffer.alloc(Number(values.size), 7)

if (values.role === "omq-io0") process.send(await omqRate(0))
else if (values.role === "omq-io1") process.send(await omqRate(1))
else if (values.role === "zeromq") process.send(await zeromqRate())
else await main()

async function omqRate(ioThreads) {
  const { Context } = await import("omq")
  const { MajordomoBroker, MajordomoClient, MajordomoWorker } = await import("@omq/patterns")
  const context = new Context({ ioThreads })
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", { context })
  const endpoint = broker.socket.lastEndpoint
  const workers = [1, 2, 3, 4].map(
    () => new MajordomoWorker(endpoint, "echo", (r) => r, { context }),
  )
  const client = new MajordomoClient(endpoint, { context })
  await client.request("echo", body) // every worker need not be up: one is enough to start
  const rate = await roundTrips(() => client.request("echo", body))
  client.close()
  for (const worker of workers) worker.close()
  broker.close()
  return rate
}

async function zeromqRate() {
  const zmq = await import("zeromq")
  const broker = new zmq.Router({ linger: 0 })
  await broker.bind("tcp://127.0.0.1:*")
  const endpoint = broker.lastEndpoint
  void serveBroker(broker)
  const workers = [1, 2, 3, 4].map(() => {
    const worker = new zmq.Dealer({ linger: 0 })
    worker.connect(endpoint)
    void serveWorker(worker)
    return worker
  })
  const client = new zmq.Request({ linger: 0 })
  client.connect(endpoint)
  const request = async () => {
    await client.send(["MDPC01", "echo", body])
    const [, , reply] = await client.receive()
    return reply
  }
  await request()
  const rate = await roundTrips(request)
  for (const socket of [client, ...workers, broker]) socket.close()
  return rate
}

/** RFC 7's broker, minimal: idle workers of "echo" served oldest first; requests wait. */
async function serveBroker(broker) {
  const idle = []
  const waiting = []
  const dispatch = async () => {
    while (idle.length > 0 && waiting.length > 0) {
      const [client, payload] = waiting.shift()
      await broker.send([idle.shift(), "", "MDPW01", Buffer.of(0x02), client, "", ...payload])
    }
  }
  try {
    for await (const [sender, , protocol, ...rest] of broker) {
      if (String(protocol) === "MDPC01") {
        waiting.push([sender, rest.slice(1)]) // [service, body…] → body
      } else if (rest[0][0] === 0x01) {
        idle.push(sender) // READY
      } else if (rest[0][0] === 0x03) {
        const [, client, , ...reply] = rest
        await broker.send([client, "", "MDPC01", "echo", ...reply])
        idle.push(sender)
      }
      await dispatch()
    }
  } catch {}
}

async function serveWorker(worker) {
  await worker.send(["", "MDPW01", Buffer.of(0x01), "echo"])
  try {
    for await (const [, , command, client, , ...request] of worker) {
      if (command[0] !== 0x02) continue
      await worker.send(["", "MDPW01", Buffer.of(0x03), client, "", ...request])
    }
  } catch {}
}

async function roundTrips(request) {
  let count = 0
  const end = performance.now() + seconds * 1000
  while (performance.now() < end) {
    await request()
    count++
  }
  return count / seconds
}

async function main() {
  const libs = ["omq-io0", "omq-io1", "zeromq"]
  const rates = Object.fromEntries(libs.map((lib) => [lib, []]))
  for (let run = 0; run < Number(values.runs); run++) {
    for (const lib of libs) {
      const child = fork(new URL(import.meta.url), [
        ...["--role", lib, "--seconds", `${seconds}`, "--size", values.size],
      ])
      const [rate] = await once(child, "message")
      rates[lib].push(rate)
      await once(child, "exit")
    }
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const [io0, io1, zeromq] = libs.map((lib) => median(rates[lib]))
  console.log(
    `Majordomo echo, ${values.size} B, 1 client, 4 workers, tcp; median of ${values.runs}`,
  )
  console.table([
    {
      "omq io0 trips/s": io0.toFixed(0),
      "omq io1 trips/s": io1.toFixed(0),
      "zeromq.js trips/s": zeromq.toFixed(0),
      "io0 / zmq": (io0 / zeromq).toFixed(2),
      "io1 / zmq": (io1 / zeromq).toFixed(2),
    },
  ])
}
