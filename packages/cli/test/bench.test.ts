// `omq bench`, driven as a user would: the built executable in a child process, its JSON, its
// chart file and its exit codes. Counts are short and nothing asserts a timing.
import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"

const MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "omq-bench-test-"))
after(() => rmSync(dir, { recursive: true, force: true }))

interface Finished {
  code: number | null
  stdout: string
  stderr: string
}

/** `omq bench ...args` as a child; `finished` resolves at its exit with what it wrote. */
function startBench(args: string[]): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [MAIN, "bench", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s))
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s))
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })
  return { child, finished }
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
}

async function runBench(args: string[]): Promise<Finished> {
  const { child, finished } = startBench(args)
  try {
    return await finished
  } finally {
    kill(child)
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the JSON is checked field by field below
type Json = Record<string, any>

/** Runs a bench that must exit 0 with one JSON object on stdout. */
async function benchJson(args: string[]): Promise<Json> {
  const { code, stdout, stderr } = await runBench([...args, "--json", "--no-progress"])
  assert.equal(code, 0, `omq bench ${args.join(" ")} exited ${code}: ${stderr}`)
  return JSON.parse(stdout) as Json
}

/** The in-process throughput figures hold together. */
function assertThroughput(figures: Json, count: number | null): void {
  assert.equal(figures.received, figures.sent)
  if (count !== null) assert.equal(figures.sent, count)
  assert.ok(figures.sent > 0)
  assert.equal(figures.bytes, figures.received * 64)
  assert.ok(figures.msgsPerSec > 0 && figures.mbPerSec > 0 && figures.seconds > 0)
}

/** The latency figures hold together: every percentile between min and max, in order. */
function assertLatency(figures: Json, trips: number): void {
  assert.equal(figures.roundTrips, trips)
  assert.ok(figures.msgsPerSec > 0)
  const { min, p50, p90, p99, p999, max } = figures.latencyUs
  assert.ok(0 < min && min <= p50 && p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max)
}

/** Counts the elements of `svg` with class `name`. */
const countClass = (svg: string, name: string) =>
  svg.match(new RegExp(`class="${name}"`, "g"))?.length ?? 0

describe("omq bench in one process", () => {
  for (const transport of ["tcp", "ipc", "inproc", "ws"]) {
    it(`thr over ${transport}: what was sent was received`, async () => {
      const json = await benchJson(["thr", "-t", transport, "-n", "3000"])
      assert.equal(json.mode, "thr")
      assert.equal(json.transport, transport)
      assertThroughput(json.results.omq, 3000)
    })

    it(`lat over ${transport}: percentiles in order`, async () => {
      const json = await benchJson(["lat", "-t", transport, "-n", "300", "--warmup", "10"])
      assertLatency(json.results.omq, 300)
    })
  }

  it("thr for a duration, with no IO thread", async () => {
    const json = await benchJson(["thr", "-d", "300ms", "--io-threads", "0"])
    assert.equal(json.count, null)
    assert.equal(json.durationMs, 300)
    assertThroughput(json.results.omq, null)
  })

  it("lat over DEALER/ROUTER", async () => {
    const json = await benchJson(["lat", "--pattern", "dealer", "-n", "200", "--warmup", "0"])
    assert.equal(json.pattern, "dealer")
    assertLatency(json.results.omq, 200)
  })
})

describe("omq bench across two processes", () => {
  it("thr: a bound receiver and a connected sender report the same count", async () => {
    const receiver = startBench(["thr", "--bind", "tcp://127.0.0.1:*", "--json"])
    let sender: ReturnType<typeof startBench> | null = null
    try {
      const endpoint = await boundEndpoint(receiver.child)
      sender = startBench(["thr", "--connect", endpoint, "-n", "5000", "-s", "100", "--json"])
      const [r, s] = await Promise.all([receiver.finished, sender.finished])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(s.code, 0, s.stderr)
      const received = JSON.parse(r.stdout).results.omq
      const sent = JSON.parse(s.stdout).results.omq
      assert.equal(sent.sent, 5000)
      assert.equal(received.received, 5000)
      assert.equal(received.sentBySender, 5000)
      assert.equal(received.bytes, 5000 * 100)
    } finally {
      kill(receiver.child)
      if (sender) kill(sender.child)
    }
  })

  it("thr with the roles swapped: omq sends from a bind, libzmq receives", async () => {
    const args = ["-n", "2000", "--warmup", "100", "--json"]
    const sender = startBench(["thr", "--bind", "tcp://127.0.0.1:*", "--role", "send", ...args])
    let receiver: ReturnType<typeof startBench> | null = null
    try {
      const endpoint = await boundEndpoint(sender.child)
      receiver = startBench(["thr", "--connect", endpoint, "--role", "receive", "--lib", "zeromq"])
      const [s, r] = await Promise.all([sender.finished, receiver.finished])
      assert.equal(s.code, 0, s.stderr)
      assert.equal(r.code, 0, r.stderr)
      assert.equal(JSON.parse(s.stdout).results.omq.sent, 2000)
      assert.match(r.stdout, /zeromq\.js\s*│\s*2,000\s*│\s*2,000/)
    } finally {
      kill(sender.child)
      if (receiver) kill(receiver.child)
    }
  })

  it("lat over ipc: the server echoes what the client measured", async () => {
    const endpoint = `ipc://${join(dir, "lat.sock")}`
    const server = startBench(["lat", "--bind", endpoint, "--json"])
    let client: ReturnType<typeof startBench> | null = null
    try {
      await boundEndpoint(server.child)
      client = startBench(["lat", "--connect", endpoint, "-n", "300", "--warmup", "20", "--json"])
      const [sv, cl] = await Promise.all([server.finished, client.finished])
      assert.equal(sv.code, 0, sv.stderr)
      assert.equal(cl.code, 0, cl.stderr)
      assertLatency(JSON.parse(cl.stdout).results.omq, 300)
      const echoed = JSON.parse(sv.stdout).results.omq
      assert.equal(echoed.roundTrips, 300)
      assert.equal(echoed.reportedByClient, 300)
    } finally {
      kill(server.child)
      if (client) kill(client.child)
    }
  })
})

/** The endpoint a `--bind` side says on stderr that it listens on. */
function boundEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = ""
    const look = (chunk: string) => {
      seen += chunk
      const m = /bound to (\S+)/.exec(seen)
      if (m) resolve(m[1]!)
    }
    child.stderr!.on("data", look)
    child.on("close", (code) => reject(new Error(`exited ${code} before binding: ${seen}`)))
  })
}

describe("omq bench --chart", () => {
  it("lat: one bar and one CDF point per bin", async () => {
    const file = join(dir, "lat.svg")
    await benchJson(["lat", "-n", "300", "--chart", file, "--bins", "12"])
    const svg = readFileSync(file, "utf8")
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    assert.match(svg, /<\/svg>\n$/)
    assert.equal(countClass(svg, "bar"), 12)
    assert.equal(countClass(svg, "point"), 12)
  })

  it("thr: one point per interval, per library", async () => {
    const file = join(dir, "thr.svg")
    await benchJson(["thr", "-n", "3000", "--chart", file, "--bins", "7", "--compare", "zeromq"])
    const svg = readFileSync(file, "utf8")
    assert.match(svg, /^<svg /)
    assert.equal(countClass(svg, "line"), 2)
    assert.equal(countClass(svg, "point"), 14)
    assert.equal(countClass(svg, "bar"), 0)
  })
})

describe("omq bench --compare zeromq", () => {
  it("thr: both libraries' figures and their ratio, medians of 2 runs", async () => {
    const json = await benchJson(["thr", "-n", "3000", "--compare", "zeromq", "--runs", "2"])
    assertThroughput(json.results.omq, 3000)
    assertThroughput(json.results.zeromq, 3000)
    assert.equal(json.results.omq.runs.length, 2)
    const { msgsPerSec, mbPerSec } = json.ratio
    assert.ok(msgsPerSec > 0 && Number.isFinite(msgsPerSec))
    assert.equal(mbPerSec.toFixed(6), msgsPerSec.toFixed(6))
    const median = (xs: number[]) => (xs[0]! + xs[1]!) / 2
    const rates = (lib: string) => json.results[lib].runs.map((r: Json) => r.msgsPerSec)
    assert.ok(Math.abs(msgsPerSec - median(rates("omq")) / median(rates("zeromq"))) < 1e-9)
  })

  it("lat: a ratio per percentile, and a table row", async () => {
    const json = await benchJson(["lat", "-t", "inproc", "-n", "200", "--compare", "zeromq"])
    assertLatency(json.results.zeromq, 200)
    for (const key of ["p50", "p90", "p99", "p999", "max"]) assert.ok(json.ratio.latencyUs[key] > 0)
    const table = await runBench(["lat", "-n", "100", "--compare", "zeromq", "--no-progress"])
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, /omq \/ zeromq\.js .*×/)
  })
})

describe("omq bench usage errors exit 2", () => {
  const cases: [string[], RegExp][] = [
    [["thr", "-s", "lots"], /bad size 'lots'/],
    [["thr", "-t", "udp"], /argument 'udp' is invalid/],
    [["thr", "--connect", "localhost:5555"], /bad endpoint 'localhost:5555'/],
    [["lat", "--bind", "pgm://eth0;239.1.1.1:5555"], /unknown transport 'pgm'/],
    [["lat", "--bind", "tcp://no-such-host.invalid:x"], /cannot bind to tcp:\/\/no-such-host/],
    [["thr", "-n", "10", "-d", "1s"], /--count or --duration, not both/],
    [["thr", "--frobnicate"], /unknown option '--frobnicate'/],
  ]
  for (const [args, message] of cases)
    it(`omq bench ${args.join(" ")}`, async () => {
      const { code, stderr } = await runBench(args)
      assert.equal(code, 2)
      assert.match(stderr, message)
    })
})
