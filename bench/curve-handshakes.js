// Sequential CURVE handshakes against one server (issue 9: "1,000 sequential CURVE handshakes:
// omq <= 1.5x zeromq.js's time"), omq (ioThreads 0 and 1) against zeromq.js in the same run,
// with NULL handshakes measured the same way for reference.
//
//   node bench/curve-handshakes.js [--runs 3] [--handshakes 1000] [--mechanisms curve,null]
//                                  [--warmup 10]
//
// Two child processes per measurement, both of the library under test:
// - server: one ROUTER bound to tcp://127.0.0.1:* (the CURVE server, no ZAP handler) that
//   echoes every message; it reports the CPU time (all its threads) it spent over the run.
// - client: `--handshakes` times, one after the other: a new DEALER (the CURVE client; the
//   same long-term key pair every time, as one client would have) connects, sends one message,
//   waits for its echo (the handshake has completed), and closes (linger 0). The first
//   `--warmup` of them are not timed. It reports the time and its own CPU time.
// The default warm-up (10) times a freshly started process, JIT warm-up included: omq runs
// far more JavaScript per socket than zeromq.js, and V8 keeps optimizing it for thousands of
// handshakes. `--warmup 5000` times the same handshakes once that has settled.
// The keys are new for each measurement (see curve-keys.js).
//
// Prints, per mechanism and library, the median over runs of the total time, the time and the
// CPU time (client, server) per handshake, and the ratio of the total time to zeromq.js's.
import { benchArgs, exited, median, message, openLib, startPair } from "./child-processes.js"
import { curveOptions, newCurveKeys } from "./curve-keys.js"

const LIBS = ["omq-io0", "omq-io1", "zeromq"]
const HELLO = Buffer.from("hello")

/** CPU time (ms, all threads) since `from` (a process.cpuUsage() value). */
const cpuMs = (from) => {
  const { user, system } = process.cpuUsage(from)
  return (user + system) / 1000
}

/** Child: the ROUTER that every client connects to. Echoes `total` messages, then reports. */
async function server(lib, total, warmup, keys) {
  const { Router, opts, done } = await openLib(lib)
  const router = new Router({ ...opts, ...curveOptions(keys, "server"), linger: 0 })
  await router.bind("tcp://127.0.0.1:*")
  process.send({ endpoint: router.lastEndpoint })
  let cpu = null
  for (let i = 0; i < total; i++) {
    const [id, body] = await router.receive()
    if (i === warmup) cpu = process.cpuUsage() // the first timed client's message
    await router.send([id, body])
  }
  // The handshakes of the timed clients, less the last's echo: near enough.
  process.send({ serverCpuMs: cpuMs(cpu) })
  router.close()
  await done()
}

/** Child: opens `total` DEALERs one after the other, each to one echo, and times them. */
async function client(lib, total, warmup, endpoint, keys) {
  const { Dealer, opts, done } = await openLib(lib)
  const options = { ...opts, ...curveOptions(keys, "client"), linger: 0 }
  let t0 = 0
  let cpu = null
  for (let i = 0; i < total; i++) {
    if (i === warmup) {
      t0 = performance.now()
      cpu = process.cpuUsage()
    }
    const dealer = new Dealer({ ...options }) // zeromq.js deletes `context` from its options
    dealer.connect(endpoint)
    await dealer.send(HELLO)
    await dealer.receive()
    dealer.close()
  }
  process.send({ ms: performance.now() - t0, clientCpuMs: cpuMs(cpu) })
  await done()
}

async function measure(lib, handshakes, warmup, curve) {
  const params = { total: handshakes + warmup, warmup, ...(curve ? { keys: newCurveKeys() } : {}) }
  const [srv, cli] = await startPair(import.meta.url, lib, "server", "client", params)
  const [{ ms, clientCpuMs }, { serverCpuMs }] = await Promise.all([
    message(cli, (m) => m.ms !== undefined),
    message(srv, (m) => m.serverCpuMs !== undefined),
  ])
  await Promise.all([exited(srv), exited(cli)])
  return { ms, clientCpuMs, serverCpuMs }
}

async function main() {
  const values = benchArgs({
    handshakes: { type: "string", default: "1000" },
    mechanisms: { type: "string", default: "curve,null" },
    warmup: { type: "string", default: "10" },
    total: { type: "string" },
    keys: { type: "string" },
  })
  const warmup = Number(values.warmup)
  if (values.role === "server") return server(values.lib, Number(values.total), warmup, values.keys)
  if (values.role === "client")
    return client(values.lib, Number(values.total), warmup, values.endpoint, values.keys)

  const handshakes = Number(values.handshakes)
  const runs = Number(values.runs)
  const rows = []
  for (const mechanism of values.mechanisms.split(",")) {
    const results = Object.fromEntries(LIBS.map((lib) => [lib, []]))
    // Interleave libraries run by run so that machine noise hits them alike.
    for (let r = 0; r < runs; r++)
      for (const lib of LIBS)
        results[lib].push(await measure(lib, handshakes, warmup, mechanism === "curve"))
    const med = (lib, key) => median(results[lib].map((x) => x[key]))
    for (const lib of LIBS)
      rows.push({
        mechanism: mechanism.toUpperCase(),
        library: lib,
        "total s": (med(lib, "ms") / 1000).toFixed(2),
        "ms / handshake": (med(lib, "ms") / handshakes).toFixed(2),
        "client CPU ms": (med(lib, "clientCpuMs") / handshakes).toFixed(2),
        "server CPU ms": (med(lib, "serverCpuMs") / handshakes).toFixed(2),
        "time / zmq": (med(lib, "ms") / med("zeromq", "ms")).toFixed(2),
      })
    console.error(`${mechanism}: done`)
  }
  console.log(
    `${handshakes} sequential handshakes (new DEALER, connect, one echo, close) to one ROUTER,` +
      ` after ${warmup} untimed, median of ${runs} runs; CPU ms are per handshake, all threads`,
  )
  console.table(rows)
}

await main()
