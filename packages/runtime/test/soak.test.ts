// The soak in CI: bench/soak.js for 60 s, its peer SIGKILLed and restarted every 10 s, read back
// as JSON. Nothing here is timed: traffic must keep moving through every restart, nothing may
// grow after warm-up beyond generous bounds (the machine is shared and noisy), and the soak
// process must exit by itself once it has closed everything.
import { strict as assert } from "node:assert"
import { spawn } from "node:child_process"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"

const SOAK = fileURLToPath(new URL("../../../../bench/soak.js", import.meta.url))
const SECONDS = 60
const KILL_SECONDS = 10
/** The soak must have exited this long after its run ends, or it leaked something. */
const EXIT_BOUND_MS = 60_000
/** Above the level after warm-up: a socket may be opening (churn) when a sample is taken. */
const SLACK = 2
const RSS_GROWTH = 0.25

interface Level {
  afterWarmUp: number
  atEnd: number
}

interface SoakResult {
  samples: unknown[]
  cycles: Array<{ from: number; to: number; progress: Record<string, number> }>
  summary: { rss: { growth: number }; handles: Level; fds: Level; threads: Level }
  failures: string[]
}

interface Outcome {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
}

/**
 * Runs the soak; fails if it has not exited EXIT_BOUND_MS after its run, killing its process
 * group (the soak runs in a child of bench/soak.js, its peer in a grandchild).
 */
async function runSoak(args: string[]): Promise<Outcome> {
  const proc = spawn(process.execPath, [SOAK, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  })
  let stdout = ""
  let stderr = ""
  proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk
  })
  proc.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk
  })
  let timer: ReturnType<typeof setTimeout> | undefined
  const hung = new Promise<"hung">((resolve) => {
    timer = setTimeout(() => resolve("hung"), SECONDS * 1000 + EXIT_BOUND_MS)
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    proc.once("close", (code, signal) => resolve({ code, signal })),
  )
  const outcome = await Promise.race([exited, hung])
  clearTimeout(timer)
  if (outcome === "hung") {
    process.kill(-proc.pid!, "SIGKILL")
    await exited
    assert.fail(`the soak did not exit on its own\nstderr: ${stderr}`)
  }
  return { ...outcome, stdout, stderr }
}

describe("soak: mixed load while the peer is killed and restarted", () => {
  it(`${SECONDS} s: traffic survives every restart, nothing grows, the process exits by itself`, {
    timeout: SECONDS * 1000 + EXIT_BOUND_MS + 30_000,
  }, async () => {
    const run = await runSoak([
      ...["--seconds", `${SECONDS}`, "--kill-seconds", `${KILL_SECONDS}`],
      ...["--sample-seconds", "2", "--ioThreads", "1", "--json"],
    ])
    assert.equal(run.signal, null, `killed by ${run.signal}; stderr: ${run.stderr}`)
    assert.equal(run.code, 0, `exit code ${run.code}\nstderr: ${run.stderr}\nstdout: ${run.stdout}`)
    const result = JSON.parse(run.stdout) as SoakResult
    assert.deepEqual(result.failures, [])

    // Every life of the peer (the first, and one after each kill) moved every kind of traffic.
    assert.equal(result.cycles.length, SECONDS / KILL_SECONDS)
    for (const { from, to, progress } of result.cycles) {
      const stalled = Object.keys(progress).filter((kind) => progress[kind]! <= 0)
      assert.deepEqual(stalled, [], `stalled from ${from.toFixed(1)} s to ${to.toFixed(1)} s`)
    }

    const { summary } = result
    assert.ok(result.samples.length >= 10, `only ${result.samples.length} samples`)
    for (const key of ["handles", "fds", "threads"] as const) {
      const { afterWarmUp, atEnd } = summary[key]
      assert.ok(
        atEnd <= afterWarmUp + SLACK,
        `${key}: ${afterWarmUp} after warm-up, ${atEnd} at end`,
      )
    }
    assert.ok(
      summary.rss.growth <= RSS_GROWTH,
      `rss grew ${(summary.rss.growth * 100).toFixed(1)}% after warm-up`,
    )
  })
})
