// Fuzzes the pure ZMTP core with mutated and random inputs, and reports crashes and hangs:
//   node bench/fuzz/fuzz.js [--count 100000] [--seed 1] [--only "CURVE server"]
//                           [--watchdog-ms 30000] [--replay "NULL:1234"]
//
// Targets (bench/fuzz/targets.js): FrameDecoder; a Handshake as NULL, PLAIN server, PLAIN
// client, CURVE server and CURVE client; the CURVE MESSAGE cipher. Inputs are mutations of
// valid transcripts recorded at start-up (bit flips, interesting bytes and sizes, truncation,
// duplication, deletion, insertion, splicing), frames shaped for each parser, random bytes
// after a valid greeting, and plain random bytes; half the CURVE inputs come from a peer whose
// boxes open, with hostile contents inside. Each input is cut into chunks at random (whole,
// byte by byte, or anywhere) and fed as the engine feeds it.
//
// --count is split between targets by their share (CURVE handshakes cost ~1-6 ms of X25519
// each, so they get 0.5 % apiece). A crash is any exception that is not a ZmtpError; a hang is
// an input that took more than 1 s (one that never returns is killed after --watchdog-ms and
// counted too). Inputs are seeded by (seed, target, index): `--replay target:index` reruns
// one and prints its chunks and error (CURVE key material is random, so CURVE inputs replay
// their structure, not their bytes). Samples of crashes go to bench/fuzz/crashes/.
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { makeTargets } from "./targets.js"
import { newStats, runOne } from "./worker.js"

const here = dirname(fileURLToPath(import.meta.url))

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback
}

// --self-check: 20 FrameDecoder inputs, of which input 3 takes 1.2 s and input 7 never returns;
// the table must show 2 hangs and 19 inputs (the killed one is not counted as run).
const selfCheck = process.argv.includes("--self-check")
const count = selfCheck ? 20 : Number(option("count", "100000"))
const seed = Number(option("seed", "1"))
const only = selfCheck ? "FrameDecoder" : option("only", undefined)
const watchdogMs = selfCheck ? 3000 : Number(option("watchdog-ms", "30000"))
const replay = option("replay", undefined)

const targets = makeTargets()
const names = targets.map((t) => t.name)

if (replay) {
  const cut = replay.lastIndexOf(":")
  const t = names.indexOf(replay.slice(0, cut))
  if (t < 0) throw new Error(`no target "${replay.slice(0, cut)}"; targets: ${names.join(", ")}`)
  const result = runOne(targets[t], seed, t, Number(replay.slice(cut + 1)), true)
  console.log(`outcome: ${result.outcome}${result.reason ? ` (${result.reason})` : ""}`)
  console.log(`chunks: ${result.io.map((c) => c.byteLength).join(" ")}`)
  for (const chunk of result.io) console.log(Buffer.from(chunk).toString("hex"))
  if (result.error) console.log(result.error.stack ?? result.error)
  process.exit(0)
}

/** Inputs per target: `count` split by share, all of it to one target with --only. */
const plan = targets
  .map((target, t) => ({
    target: t,
    from: 0,
    to: only ? (target.name === only ? count : 0) : Math.max(1, Math.round(count * target.share)),
    skip: [],
  }))
  .filter((entry) => entry.to > 0)
if (plan.length === 0) throw new Error(`no target "${only}"; targets: ${names.join(", ")}`)

/** Per target: stats of finished segments, and the latest snapshot of the running one. */
const closed = targets.map(() => newStats())
const running = targets.map(() => null)
const killed = targets.map(() => [])
const watch = new Float64Array(new SharedArrayBuffer(3 * 8))
const startedAt = Date.now()

function merge(into, from) {
  into.inputs += from.inputs
  for (const [k, v] of Object.entries(from.outcomes)) into.outcomes[k] += v
  for (const [k, v] of Object.entries(from.reasons)) into.reasons[k] = (into.reasons[k] ?? 0) + v
  into.hangs += from.hangs
  into.slowestMs = Math.max(into.slowestMs, from.slowestMs)
  into.maxRss = Math.max(into.maxRss, from.maxRss)
  into.maxHeap = Math.max(into.maxHeap, from.maxHeap)
  into.crashes.push(...from.crashes)
  into.slow.push(...from.slow)
}

function totals(t) {
  const total = newStats()
  merge(total, closed[t])
  if (running[t]) merge(total, running[t].stats)
  return total
}

/** Runs `entries` in a worker; resolves when it finishes, restarting it past a stuck input. */
function runWorker(entries) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(here, "worker.js"), {
      workerData: { seed, plan: entries, watch: watch.buffer, selfCheck },
    })
    let lastLog = Date.now()
    const timer = setInterval(() => {
      const since = watch[2] === 0 ? 0 : Date.now() - watch[2]
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now()
        const t = watch[0]
        const all = targets.reduce((acc, _target, i) => acc + totals(i).inputs, 0)
        const secs = Math.round((Date.now() - startedAt) / 1000)
        console.error(
          `[${secs} s] ${n(all)} inputs reported; now on ${names[t]}, input ${watch[1]}`,
        )
      }
      if (since <= watchdogMs) return
      // One input has not returned: count it as a hang, and go on past it in a new worker.
      clearInterval(timer)
      const t = watch[0]
      const index = watch[1]
      watch[2] = 0
      killed[t].push({ index, ms: since })
      worker.terminate().then(() => {
        const snapshot = running[t]
        running[t] = null
        if (snapshot) merge(closed[t], snapshot.stats)
        const next = snapshot ? snapshot.next : entries.find((e) => e.target === t).from
        const rest = entries.filter((e) => e.target > t || (e.target === t && e.to > next))
        const current = rest.find((e) => e.target === t)
        if (current) {
          current.from = Math.max(current.from, next)
          current.skip = [...current.skip, index]
        }
        runWorker(rest).then(resolve, reject)
      }, reject)
    }, 250)
    worker.on("message", (message) => {
      if (message.type === "finished") {
        clearInterval(timer)
        resolve()
        return
      }
      running[message.target] = message
      if (message.end) {
        merge(closed[message.target], message.stats)
        running[message.target] = null
      }
    })
    worker.on("error", (err) => {
      clearInterval(timer)
      reject(err)
    })
  })
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`
const n = (value) => value.toLocaleString("en-US")

await runWorker(plan)
const seconds = (Date.now() - startedAt) / 1000
const rows = plan.map(({ target: t }) => {
  const s = totals(t)
  const hangs = s.hangs + killed[t].length
  const slowest = Math.max(s.slowestMs, ...killed[t].map((k) => k.ms))
  return { t, s, hangs, slowest }
})
const sum = (f) => rows.reduce((acc, row) => acc + f(row), 0)

const lines = [
  `fuzz: seed ${seed}, ${n(sum((r) => r.s.inputs))} inputs in ${seconds.toFixed(0)} s, node ${process.version}`,
  "",
  "| target | inputs | accepted | rejected (ZmtpError) | refused (ZAP) | incomplete | crashes | hangs (> 1 s) | slowest input |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows
    .map(({ t, s, hangs, slowest }) =>
      [
        names[t],
        n(s.inputs),
        n(s.outcomes.accepted),
        n(s.outcomes.rejected),
        n(s.outcomes.refused),
        n(s.outcomes.incomplete),
        n(s.outcomes.crash),
        n(hangs),
        `${slowest.toFixed(1)} ms`,
      ].join(" | "),
    )
    .map((row) => `| ${row} |`),
  `| **all** | ${n(sum((r) => r.s.inputs))} | ${n(sum((r) => r.s.outcomes.accepted))} | ${n(sum((r) => r.s.outcomes.rejected))} | ${n(sum((r) => r.s.outcomes.refused))} | ${n(sum((r) => r.s.outcomes.incomplete))} | ${n(sum((r) => r.s.outcomes.crash))} | ${n(sum((r) => r.hangs))} | |`,
  "",
  `max rss ${mb(Math.max(...rows.map((r) => r.s.maxRss)))} (process), max V8 heap used ${mb(Math.max(...rows.map((r) => r.s.maxHeap)))} (fuzzing worker)`,
  "",
  "Rejections by reason (protocolError, else code), most frequent first:",
  ...rows.map(({ t, s }) => {
    const top = Object.entries(s.reasons)
      .sort((a, b) => b[1] - a[1])
      .map(([reason, k]) => `${reason.replace(/^ERR_(ZMTP_)?/, "")} ${n(k)}`)
    return `- ${names[t]}: ${top.join(", ") || "none"}`
  }),
]
console.log(lines.join("\n"))

const samples = rows.flatMap(({ t, s }) => [
  ...s.crashes.map((c) => ({ kind: "crash", target: names[t], ...c })),
  ...s.slow.map((c) => ({ kind: "slow", target: names[t], ...c })),
  ...killed[t].map((c) => ({ kind: "killed", target: names[t], ...c })),
])
if (samples.length > 0 && !selfCheck) {
  const dir = join(here, "crashes")
  mkdirSync(dir, { recursive: true })
  for (const sample of samples) {
    const file = join(
      dir,
      `${sample.kind}-${sample.target.replace(/\W+/g, "-")}-${sample.index}.json`,
    )
    writeFileSync(file, JSON.stringify({ seed, ...sample }, null, 2))
  }
  console.log(
    `\n${samples.length} samples written to ${dir} (replay: --seed ${seed} --replay "target:index")`,
  )
  for (const sample of samples.slice(0, 10)) {
    console.log(
      `- ${sample.kind} ${sample.target}:${sample.index} ${sample.error?.split("\n")[0] ?? `${sample.ms.toFixed(0)} ms`}`,
    )
  }
}

if (selfCheck) {
  const [row] = rows
  const ok =
    rows.length === 1 && row.hangs === 2 && row.s.inputs === 19 && killed[row.t].length === 1
  console.log(ok ? "\nself-check passed" : "\nSELF-CHECK FAILED")
  process.exitCode = ok ? 0 : 1
}
