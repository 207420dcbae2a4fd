// The fuzzing loop, run in a worker so that bench/fuzz/fuzz.js can kill it if one input never
// returns. Contract with the main thread:
//   workerData: { seed, plan: [{ target, from, to, skip }], watch: SharedArrayBuffer,
//                 selfCheck: boolean (input 3 takes 1.2 s, input 7 never returns) }
//   watch (Float64Array, written here, read by the watchdog): [target, index, startedAt (ms)]
//   messages out: { type: "stats", target, next, stats } at least every 4,096 inputs and at
//   the end of each plan entry (cumulative for that entry), then { type: "finished" }.
import { performance } from "node:perf_hooks"
import v8 from "node:v8"
import { parentPort, workerData } from "node:worker_threads"
import { ZmtpError } from "@omq/transport/zmtp"
import { concat, rngFor } from "./mutate.js"
import { makeTargets } from "./targets.js"

/** An input slower than this is reported as a hang (it did return). */
const HANG_MS = 1000
/** Crash and hang samples kept per plan entry. */
const SAMPLES = 5

export function newStats() {
  return {
    inputs: 0,
    outcomes: { accepted: 0, rejected: 0, refused: 0, incomplete: 0, crash: 0 },
    reasons: {},
    hangs: 0,
    slowestMs: 0,
    maxRss: 0,
    maxHeap: 0,
    crashes: [],
    slow: [],
  }
}

/**
 * Runs one input; returns its outcome and, for a crash, the error. Most inputs end in a
 * ZmtpError, and capturing its stack is a sixth of the cost: stacks are off while fuzzing, and
 * a crash is run again with them on (inputs are seeded, so it throws the same way).
 */
export function runOne(target, seed, targetIndex, index, stacks = false) {
  const rng = rngFor(seed, targetIndex, index)
  const io = []
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = stacks ? 30 : 0
  try {
    return { outcome: target.run(rng, io), io }
  } catch (err) {
    if (err instanceof ZmtpError)
      return { outcome: "rejected", reason: err.protocolError ?? err.code, io }
    if (stacks) return { outcome: "crash", error: err, io }
    const again = runOne(target, seed, targetIndex, index, true)
    return again.outcome === "crash" ? again : { outcome: "crash", error: err, io }
  } finally {
    Error.stackTraceLimit = limit
  }
}

function sampleMemory(stats) {
  stats.maxRss = Math.max(stats.maxRss, process.memoryUsage.rss())
  stats.maxHeap = Math.max(stats.maxHeap, v8.getHeapStatistics().used_heap_size)
}

function main() {
  const { seed, plan, watch: shared, selfCheck } = workerData
  const watch = new Float64Array(shared)
  const targets = makeTargets()
  for (const { target: t, from, to, skip } of plan) {
    const target = targets[t]
    const stats = newStats()
    for (let i = from; i < to; i++) {
      if (skip.includes(i)) continue
      watch[0] = t
      watch[1] = i
      watch[2] = Date.now()
      const started = performance.now()
      if (selfCheck && i === 3) while (performance.now() - started < 1200);
      if (selfCheck && i === 7) while (true);
      const result = runOne(target, seed, t, i)
      const ms = performance.now() - started
      stats.inputs++
      stats.outcomes[result.outcome]++
      if (result.reason) stats.reasons[result.reason] = (stats.reasons[result.reason] ?? 0) + 1
      if (result.outcome === "crash" && stats.crashes.length < SAMPLES) {
        const input = concat(result.io)
        stats.crashes.push({
          index: i,
          error: String(result.error?.stack ?? result.error),
          chunks: result.io.map((c) => c.byteLength),
          input: Buffer.from(input.subarray(0, 4096)).toString("hex"),
        })
      }
      if (ms > stats.slowestMs) stats.slowestMs = ms
      if (ms > HANG_MS) {
        stats.hangs++
        if (stats.slow.length < SAMPLES) stats.slow.push({ index: i, ms })
      }
      if ((i & 4095) === 0) {
        sampleMemory(stats)
        parentPort.postMessage({ type: "stats", target: t, next: i + 1, stats })
      }
    }
    sampleMemory(stats)
    parentPort.postMessage({ type: "stats", target: t, next: to, stats, end: true })
  }
  watch[2] = 0
  parentPort.postMessage({ type: "finished" })
}

if (parentPort) main()
