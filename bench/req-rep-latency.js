// REQ/REP round-trip latency over tcp, 1-byte messages, client and server in separate
// processes. Compares omq (ioThreads 0 and 1) with zeromq.js in the same run.
//
//   node bench/req-rep-latency.js [--runs 3] [--trips 5000] [--warmup 0]
//
// --warmup N: N round trips first, untimed (the JIT's warm-up: omq's code is compiled while it
// runs, and its first ~10,000 round trips hold most of its slow ones; see BENCHMARKS.md).
// Without it the first 100 round trips are skipped (they include the connection).
//
// Prints median and p99 in microseconds (the median over runs of each run's percentile) and
// the ratio to zeromq.js. Processes are not pinned: placement on the 2 vCPUs varies by run.
import {
  benchArgs,
  exited,
  median,
  message,
  openLib,
  quantile,
  roundTrips,
  startPair,
} from "./child-processes.js"

const LIBS = ["omq-io0", "omq-io1", "zeromq"]

async function server(lib, trips) {
  const { Reply, opts, done } = await openLib(lib)
  const rep = new Reply(opts)
  await rep.bind("tcp://127.0.0.1:*")
  process.send({ endpoint: rep.lastEndpoint })
  for (let i = 0; i < trips; i++) {
    const [m] = await rep.receive()
    await rep.send(m)
  }
  rep.close()
  await done()
}

async function client(lib, trips, endpoint, warmup) {
  const { Request, opts, done } = await openLib(lib)
  const req = new Request(opts)
  req.connect(endpoint)
  // The first round trips include the connection; keep the steady state.
  const skip = warmup > 0 ? warmup : Math.min(100, trips >> 2)
  const steady = await roundTrips(req, warmup + trips, Buffer.from("x"), skip)
  process.send({ p50: quantile(steady, 0.5), p99: quantile(steady, 0.99) })
  req.close()
  await done()
}

async function measure(lib, trips, warmup) {
  const params = { trips, warmup }
  const [srv, cli] = await startPair(import.meta.url, lib, "server", "client", params)
  const result = await message(cli, (m) => m.p50 !== undefined)
  await Promise.all([exited(srv), exited(cli)])
  return result
}

async function main() {
  const values = benchArgs({
    trips: { type: "string", default: "5000" },
    warmup: { type: "string", default: "0" },
  })
  const trips = Number(values.trips)
  const warmup = Number(values.warmup)
  if (values.role === "server") return server(values.lib, warmup + trips)
  if (values.role === "client") return client(values.lib, trips, values.endpoint, warmup)

  const results = Object.fromEntries(LIBS.map((lib) => [lib, { p50: [], p99: [] }]))
  for (let r = 0; r < Number(values.runs); r++) {
    for (const lib of LIBS) {
      const { p50, p99 } = await measure(lib, trips, warmup)
      results[lib].p50.push(p50)
      results[lib].p99.push(p99)
    }
  }
  const z = { p50: median(results.zeromq.p50), p99: median(results.zeromq.p99) }
  const rows = LIBS.map((lib) => {
    const p50 = median(results[lib].p50)
    const p99 = median(results[lib].p99)
    return {
      library: lib,
      "median µs": p50.toFixed(1),
      "p99 µs": p99.toFixed(1),
      "median / zmq": (p50 / z.p50).toFixed(2),
      "p99 / zmq": (p99 / z.p99).toFixed(2),
    }
  })
  const after = warmup > 0 ? ` after ${warmup} untimed` : ""
  console.log(`REQ/REP tcp round trip, 1 B, ${trips} trips${after}, median of ${values.runs} runs`)
  console.table(rows)
}

await main()
