// A Majordomo worker whose CPU-bound handler (pool-handler.js) runs on a pool of THREADS
// piscina threads: one worker (DEALER) per thread offers SERVICE at the broker ENDPOINT, and
// their heartbeats go on while the handlers run. SIGINT or SIGTERM closes the pool and the process ends.
//
//   node examples/patterns/mdpoolworker.js ENDPOINT SERVICE [THREADS]   e.g. tcp://127.0.0.1:5555 hash 2
import { subscribe } from "node:diagnostics_channel"
import { WorkerPool } from "@omq/patterns"

const [endpoint = "tcp://127.0.0.1:5555", service = "hash", threadsText = "2"] =
  process.argv.slice(2)
const threads = Number(threadsText)
if (!Number.isInteger(threads) || threads < 1) {
  console.error("usage: mdpoolworker.js ENDPOINT SERVICE [THREADS]")
  process.exit(2)
}
subscribe("omq:patterns:majordomo", (event) => console.log(`I: ${event.type}`, event))
subscribe("omq:patterns:worker-pool", (event) => console.log(`E: ${event.type}`, event))
const pool = new WorkerPool(new URL("./pool-handler.js", import.meta.url), { threads })
pool.serveMajordomo(endpoint, service)
console.log(`I: ${threads} pool workers for ${service} at ${endpoint}`)
const leave = async () => {
  await pool.close()
  console.log("I: pool closed") // its workers said DISCONNECT; nothing keeps the process now
}
process.once("SIGINT", leave)
process.once("SIGTERM", leave)
