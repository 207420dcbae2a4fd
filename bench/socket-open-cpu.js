// CPU per socket opened, connected, used once and closed, split by thread: what a socket costs
// beyond its connection when an IO thread owns the connection (issue 9's handshakes with
// `ioThreads: 1`).
//
//   node bench/socket-open-cpu.js [--runs 3] [--sockets 1000] [--warmup 300]
//
// A ROUTER in a child process (omq, ioThreads 0, the same for every row) echoes. This process
// opens `--sockets` DEALERs one after the other (after `--warmup` untimed ones), on a context
// with ioThreads 0, then 1: each connects, sends one message, awaits its echo and closes
// (linger 0). Per socket, from Linux's /proc/self/task/*/schedstat (ns of CPU, and the times a
// thread was scheduled in: about one per wake-up):
// - app: the main thread; io: the busiest other thread (the IO worker, with ioThreads 1);
// - rest: every other thread (V8's helpers: concurrent compilation, GC).
// Prints the median over runs of each. CPU time is less sensitive than wall time to a noisy
// machine; compare builds run by run, alternately.
import { benchArgs, child, median, message, openLib, threadCpu } from "./child-processes.js"

const HELLO = Buffer.from("hello")

/** Child: the ROUTER every DEALER connects to; echoes until its parent says stop. */
async function server() {
  const { Router, opts, done } = await openLib("omq-io0")
  const router = new Router({ ...opts, linger: 0 })
  await router.bind("tcp://127.0.0.1:*")
  process.send({ endpoint: router.lastEndpoint })
  process.once("message", () => {
    router.close()
    void done()
  })
  try {
    for (;;) await router.send(await router.receive())
  } catch {
    // closed
  }
}

/** One measurement: `sockets` DEALERs on a new context with `io` IO threads. */
async function measure(endpoint, io, sockets, warmup) {
  const { Dealer, opts, done } = await openLib(io === 0 ? "omq-io0" : "omq-io1")
  const one = async () => {
    const dealer = new Dealer({ ...opts, linger: 0 })
    dealer.connect(endpoint)
    await dealer.send(HELLO)
    await dealer.receive()
    dealer.close()
  }
  for (let i = 0; i < warmup; i++) await one()
  const before = threadCpu()
  const t0 = performance.now()
  for (let i = 0; i < sockets; i++) await one()
  const ms = performance.now() - t0
  const after = threadCpu()
  await done()
  const rows = [...after].map(([tid, [ns, slices]]) => {
    const [ns0, slices0] = before.get(tid) ?? [0, 0]
    return { tid, ms: (ns - ns0) / 1e6 / sockets, wakes: (slices - slices0) / sockets }
  })
  const app = rows.find((r) => r.tid === process.pid)
  const others = rows.filter((r) => r !== app).sort((a, b) => b.ms - a.ms)
  const rest = others.slice(1).reduce((sum, r) => sum + r.ms, 0)
  return { app, io: others[0], rest, wall: ms / sockets }
}

async function main() {
  const values = benchArgs({
    sockets: { type: "string", default: "1000" },
    warmup: { type: "string", default: "300" },
  })
  if (values.role === "server") return server()
  const srv = child(import.meta.url, ["--role", "server"])
  const { endpoint } = await message(srv, (m) => m.endpoint)
  const [sockets, warmup, runs] = [values.sockets, values.warmup, values.runs].map(Number)
  const results = { 0: [], 1: [] }
  for (let r = 0; r < runs; r++)
    for (const io of [0, 1]) results[io].push(await measure(endpoint, io, sockets, warmup))
  srv.send("stop")
  const rows = [0, 1].map((io) => {
    const med = (pick) => median(results[io].map(pick)).toFixed(3)
    return {
      ioThreads: io,
      "CPU ms": med((x) => x.app.ms + x.io.ms + x.rest),
      "app ms": med((x) => x.app.ms),
      "app wakes": med((x) => x.app.wakes),
      "io ms": med((x) => x.io.ms),
      "io wakes": med((x) => x.io.wakes),
      "rest ms": med((x) => x.rest),
      "wall ms": med((x) => x.wall),
    }
  })
  console.log(
    `${sockets} DEALERs opened, connected, one echo, closed, one after the other; per socket,` +
      ` median of ${runs} runs (io: the busiest thread but the app's; rest: all others)`,
  )
  console.table(rows)
}

await main()
