// @omq/patterns' WorkerPool: Majordomo round trips per second for a CPU-bound handler (a fixed
// amount of arithmetic, --iterations rounds, about 5 ms of one core here), with the handler
// in-thread (one worker, on the broker's thread), on a pool of 1, 2 and 4 piscina threads (one
// worker per thread), and on 2 threads shared by 4 workers (requests then wait at the pool, not
// at the broker). 8 clients, each with one request out at a time, a broker and the workers,
// tcp. Each row runs in a child process of its own, rows interleaved run by run; the median of
// --runs is printed, with the cores that row's process kept busy (its CPU time over the wall
// time: on a shared machine, what it got). This file is also the handler module: its default
// export runs on the pool threads.
//
//   node bench/worker-pool.js [--runs 3] [--seconds 3] [--iterations 3000000] [--clients 8]
import { fork } from "node:child_process"
import { once } from "node:events"
import { parseArgs } from "node:util"
import { isMainThread } from "node:worker_threads"

/** Spins `iterations` rounds of xorshift; the result goes in the reply so it is not skipped. */
function spin(iterations) {
  let x = 2463534242
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
  }
  return x >>> 0
}

/** The handler: [iterations, tag] → [tag, result]. */
export default function handle([iterations, tag]) {
  return [tag, String(spin(Number(String(iterations))))]
}

if (isMainThread) {
  const { values } = parseArgs({
    options: {
      role: { type: "string" },
      runs: { type: "string", default: "3" },
      seconds: { type: "string", default: "3" },
      iterations: { type: "string", default: "3000000" },
      clients: { type: "string", default: "8" },
    },
  })
  if (values.role) process.send(await rate(values))
  else await main(values)
}

/** Round trips per second for one row: `role` is "inline" or "THREADSxWORKERS". */
async function rate({ role, iterations, seconds, clients }) {
  const { MajordomoBroker, MajordomoClient, MajordomoWorker, WorkerPool } = await import(
    "@omq/patterns"
  )
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*")
  const endpoint = broker.socket.lastEndpoint
  let pool = null
  let inline = null
  if (role === "inline") inline = new MajordomoWorker(endpoint, "spin", handle)
  else {
    const [threads, workers] = role.split("x").map(Number)
    pool = new WorkerPool(new URL(import.meta.url), { threads })
    pool.serveMajordomo(endpoint, "spin", { workers })
  }
  const users = Array.from({ length: Number(clients) }, () => new MajordomoClient(endpoint))
  const ask = (client, tag) => client.request("spin", [iterations, tag])
  await Promise.all(users.map((client, i) => ask(client, `warm-up ${i}`)))
  let count = 0
  const cpu = process.cpuUsage()
  const end = performance.now() + Number(seconds) * 1000
  await Promise.all(
    users.map(async (client, i) => {
      while (performance.now() < end) {
        const [tag] = await ask(client, `${i}`)
        if (String(tag) !== `${i}`) throw new Error(`reply to ${i} was for ${tag}`)
        count++
      }
    }),
  )
  const { user, system } = process.cpuUsage(cpu)
  for (const client of users) client.close()
  inline?.close()
  await pool?.close()
  broker.close()
  return { rate: count / Number(seconds), cores: (user + system) / 1e6 / Number(seconds) }
}

async function main(values) {
  const iterations = Number(values.iterations)
  spin(iterations) // optimised, then timed: what one handler call costs on this machine now
  const started = performance.now()
  spin(iterations)
  const work = performance.now() - started
  const rows = ["inline", "1x1", "2x2", "4x4", "2x4"]
  const rates = Object.fromEntries(rows.map((row) => [row, []]))
  for (let run = 0; run < Number(values.runs); run++) {
    for (const row of rows) {
      const child = fork(new URL(import.meta.url), [
        ...["--role", row, "--iterations", `${iterations}`, "--seconds", values.seconds],
        ...["--clients", values.clients],
      ])
      const [result] = await once(child, "message")
      rates[row].push(result)
      await once(child, "exit")
    }
  }
  const label = (row) => {
    const [threads, workers] = row.split("x")
    return `${threads} thread${threads === "1" ? "" : "s"}, ${workers} worker${workers === "1" ? "" : "s"}`
  }
  const median = (xs) => xs.sort((a, b) => a.rate - b.rate)[Math.floor(xs.length / 2)]
  const one = median(rates["1x1"]).rate
  console.log(
    `WorkerPool: Majordomo round trips/s, handler ${iterations} iterations (${work.toFixed(1)} ms ` +
      `of one core here, now), ${values.clients} clients, tcp; median of ${values.runs} runs ` +
      `of ${values.seconds} s`,
  )
  console.table(
    rows.map((row) => ({
      handler: row === "inline" ? "in-thread, 1 worker" : `pool: ${label(row)}`,
      "trips/s": median(rates[row]).rate.toFixed(0),
      "× pool of 1": (median(rates[row]).rate / one).toFixed(2),
      "cores busy": median(rates[row]).cores.toFixed(2),
    })),
  )
}
