// Bytes allocated on the V8 heap per message, in each process and thread: PUSH -> PULL of 64 B
// (the sender awaiting each send) and REQ/REP round trips of 1 B, over tcp, the two sides in
// separate processes. omq (ioThreads 0 and 1) and zeromq.js in the same run.
//
//   node bench/alloc-per-message.js [--runs 3] [--count 50000] [--trips 5000] [--size 64]
//        [--libs omq-io0,omq-io1,zeromq] [--tests push,reqrep] [--interval 512]
//        [--top 15] [--no-inlining]
//
// Each pair first passes a fifth as many messages (round trips) as warm-up; then both processes
// meet their parent, which starts a meter in every thread of both (the IO worker of ioThreads 1
// included), lets them pass --count messages (--trips round trips), and stops the meters once
// both sides are done (see "allocation meters" in child-processes.js). Prints, per test, library
// and thread:
//
//   B/msg          bytes allocated per message (per round trip for REQ/REP), median of --runs
//                  runs; exact: the growth of the heap's used size between GCs (v8.GCProfiler)
//   runs           the smallest and largest of those runs
//   scav/1k        scavenges per 1000 messages (round trips), median of the runs
//   mark-compacts  the most in one run (a run that has some may count a little low)
//   sampled B/msg  one more run under V8's sampling heap profiler (a sample every --interval
//                  bytes on average, objects that GCs collected kept; --interval 0: no such
//                  run): its estimate of the same bytes, a check on the sites below
//
// With --top N, then for each omq thread the N sites with the most bytes in the sampled run: the
// allocating function (file:line where the function starts, in the TypeScript source through the
// dist's source maps) and "via", the nearest frame of omq or of this script below it (for Node's
// own code run from the event loop, the nearest frame with a script). A site is a function on the
// machine stack: what the optimizer inlined into it counts as its own (the roles' `step` loops
// here take in some of omq's send/receive). --no-inlining runs the sampled children with
// --no-turbo-inlining: finer sites, though a few more bytes (escape analysis removes less).
//
// Only the V8 heap is counted: ArrayBuffer backing stores and zeromq.js's native memory are not.
// Two runs do not allocate alike when their timing differs (how much is batched per wake-up),
// hence the range.
import { readFileSync } from "node:fs"
import { SourceMap } from "node:module"
import { fileURLToPath } from "node:url"
import {
  allAt,
  allocationProbe,
  benchArgs,
  childWith,
  exited,
  median,
  message,
  meterCommands,
  openLib,
  pass,
  reach,
  roleArgs,
  startMeters,
  stopMeters,
} from "./child-processes.js"

const LIBS = ["omq-io0", "omq-io1", "zeromq"]
const TESTS = {
  push: { binder: "receiver", connector: "sender", unit: "message" },
  reqrep: { binder: "server", connector: "client", unit: "round trip" },
}

// ---- in the child: the roles ---------------------------------------------------------------

/**
 * Each role: its socket, set up, and `step(k)` that passes k messages (round trips). A binder
 * reports its endpoint to the parent.
 */
const ROLES = {
  async receiver(lib, { size }) {
    const socket = new lib.Pull(lib.opts)
    await socket.bind("tcp://127.0.0.1:*")
    process.send({ endpoint: socket.lastEndpoint })
    const step = async (k) => {
      for (let i = 0; i < k; i++) {
        const [frame] = await socket.receive()
        if (frame.length !== size) throw new Error(`bad size ${frame.length}`)
      }
    }
    return { socket, step }
  },
  async sender(lib, { size, endpoint }) {
    const socket = new lib.Push(lib.opts)
    socket.connect(endpoint)
    const payload = Buffer.alloc(size, 7)
    const step = async (k) => {
      for (let i = 0; i < k; i++) await socket.send(payload)
    }
    return { socket, step }
  },
  async server(lib) {
    const socket = new lib.Reply(lib.opts)
    await socket.bind("tcp://127.0.0.1:*")
    process.send({ endpoint: socket.lastEndpoint })
    const step = async (k) => {
      for (let i = 0; i < k; i++) {
        const [m] = await socket.receive()
        await socket.send(m)
      }
    }
    return { socket, step }
  },
  async client(lib, { endpoint }) {
    const socket = new lib.Request(lib.opts)
    socket.connect(endpoint)
    const payload = Buffer.from("x")
    const step = async (k) => {
      for (let i = 0; i < k; i++) {
        await socket.send(payload)
        await socket.receive()
      }
    }
    return { socket, step }
  },
}

/** Child: warm up, meet the parent at "warm" (meters start), pass `n`, meet it at "end". */
async function role(values) {
  const stopAnswering = meterCommands()
  const lib = await openLib(values.lib)
  const { socket, step } = await ROLES[values.role](lib, {
    size: Number(values.size),
    endpoint: values.endpoint,
  })
  await step(Number(values.warm))
  await reach("warm")
  await step(Number(values.n))
  await reach("end")
  stopAnswering()
  socket.close()
  await lib.done()
}

// ---- in the parent -------------------------------------------------------------------------

/** Starts the binder, then the connector, both with the meter probe preloaded. */
async function startPair(lib, test, params, nodeFlags) {
  const flags = { nodeFlags: [...nodeFlags, "--import", allocationProbe()] }
  const args = (role, extra) => roleArgs(role, lib, { ...params, ...extra })
  const binder = childWith(import.meta.url, args(TESTS[test].binder, {}), flags)
  const { endpoint } = await message(binder, (m) => m.endpoint)
  return [binder, childWith(import.meta.url, args(TESTS[test].connector, { endpoint }), flags)]
}

/** One run: the meters' reports, by role, one per thread ("main" or a worker's thread id). */
async function measure(lib, test, params, sampleEvery, nodeFlags = []) {
  const procs = await startPair(lib, test, params, nodeFlags)
  await allAt(procs, "warm")
  await startMeters(procs, sampleEvery)
  const ended = allAt(procs, "end")
  pass(procs, "warm")
  await ended
  const [binder, connector] = await stopMeters(procs)
  pass(procs, "end")
  await Promise.all(procs.map(exited))
  return { [TESTS[test].binder]: binder, [TESTS[test].connector]: connector }
}

/** A row's name for one thread of a role: the role for the main thread, else its IO thread. */
const threadName = (role, report) => (report.thread === "main" ? role : `${role} IO thread`)

const sourceMaps = new Map()

/** "function file:line" of an inspector CallFrame, in the TypeScript source where a map says. */
function place(frame) {
  if (!frame) return ""
  const name = frame.functionName || "(anonymous)"
  if (!frame.url) return name
  let url = frame.url
  let line = frame.lineNumber + 1
  if (url.startsWith("file:")) {
    if (!sourceMaps.has(url)) {
      let map = null
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, "utf8")))
      } catch {}
      sourceMaps.set(url, map)
    }
    const entry = sourceMaps.get(url)?.findEntry(frame.lineNumber, frame.columnNumber)
    if (entry?.originalSource) {
      url = new URL(entry.originalSource, url).href
      line = entry.originalLine + 1
    }
    const short = /\/node_modules\/(.*)$/.exec(url) ?? /\/(?:packages|bench)\/(.*)$/.exec(url)
    if (short) url = short[1]
  }
  return `${name} ${url}:${line}`
}

/** The `top` sites of a sampled report, merged by source line, as table rows per message. */
function topSites(report, n, top) {
  const merged = new Map()
  for (const { bytes, site, via } of report.sites) {
    const key = `${place(site)}\n${place(via)}`
    merged.set(key, (merged.get(key) ?? 0) + bytes)
  }
  return [...merged]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, bytes]) => {
      const [site, via] = key.split("\n")
      return {
        "B/msg": (bytes / n).toFixed(0),
        share: `${((100 * bytes) / report.sampledBytes).toFixed(1)} %`,
        site,
        via,
      }
    })
}

async function main() {
  const values = benchArgs({
    count: { type: "string", default: "50000" },
    trips: { type: "string", default: "5000" },
    size: { type: "string", default: "64" },
    libs: { type: "string", default: LIBS.join(",") },
    tests: { type: "string", default: Object.keys(TESTS).join(",") },
    interval: { type: "string", default: "512" },
    top: { type: "string", default: "0" },
    "no-inlining": { type: "boolean", default: false },
    n: { type: "string" },
    warm: { type: "string" },
  })
  if (values.role) return role(values)

  const libs = values.libs.split(",")
  const runs = Number(values.runs)
  const interval = Number(values.interval)
  const top = Number(values.top)
  const sampleFlags = values["no-inlining"] ? ["--no-turbo-inlining"] : []
  for (const test of values.tests.split(",")) {
    const n = Number(test === "push" ? values.count : values.trips)
    const params = { n, warm: Math.ceil(n / 5), size: test === "push" ? values.size : 1 }
    // rows[lib][thread] = { bytes: [], scavenges: [], markCompacts: [], sampled }
    const rows = Object.fromEntries(libs.map((lib) => [lib, {}]))
    const add = (lib, reports, f) => {
      for (const [role, threads] of Object.entries(reports))
        for (const report of threads) {
          const name = threadName(role, report)
          rows[lib][name] ??= { bytes: [], scavenges: [], markCompacts: [], sampled: null }
          f(rows[lib][name], report)
        }
    }
    // Interleave libraries run by run so that machine noise hits them alike.
    for (let r = 0; r < runs; r++)
      for (const lib of libs)
        add(lib, await measure(lib, test, params, 0), (row, report) => {
          row.bytes.push(report.bytes / n)
          row.scavenges.push((1000 * report.scavenges) / n)
          row.markCompacts.push(report.markCompacts)
        })
    if (interval > 0)
      for (const lib of libs)
        add(lib, await measure(lib, test, params, interval, sampleFlags), (row, report) => {
          row.sampled = report
        })
    console.error(`${test}: done`)

    const size = test === "push" ? `${values.size} B` : "1 B"
    const what =
      test === "push" ? `PUSH -> PULL ${size}, ${n} messages` : `REQ/REP ${size}, ${n} trips`
    console.log(
      `${what} after ${params.warm} of warm-up, median of ${runs} runs; per ${TESTS[test].unit}:`,
    )
    console.table(
      libs.flatMap((lib) =>
        Object.entries(rows[lib]).map(([thread, row]) => ({
          library: lib,
          thread,
          "B/msg": median(row.bytes).toFixed(0),
          runs: `${Math.min(...row.bytes).toFixed(0)}–${Math.max(...row.bytes).toFixed(0)}`,
          "scav/1k": median(row.scavenges).toFixed(1),
          "mark-compacts": Math.max(...row.markCompacts),
          "sampled B/msg": row.sampled ? (row.sampled.sampledBytes / n).toFixed(0) : "",
        })),
      ),
    )
    if (top > 0)
      for (const lib of libs.filter((l) => l.startsWith("omq")))
        for (const [thread, row] of Object.entries(rows[lib])) {
          if (!row.sampled) continue
          console.log(`${what}, ${lib} ${thread}: top ${top} sites of the sampled run`)
          console.table(topSites(row.sampled, n, top))
        }
  }
}

await main()
