// N sockets in one process (issue 8, "Scale": "10,000 sockets in one process. zeromq.js stops at
// 1,023 by default ... 10,000 peers on one ROUTER. Memory per idle socket and per idle
// connection, reported").
//
//   node bench/many-sockets.js [--sockets 10000] [--batch 500] [--timeout 120]
//                              [--rows connected,bound,bare]
//                              [--libs omq-io0,omq-io1,zeromq,zeromq-max]
//
// Each library and row runs in a child process of its own ("sockets"), started with --expose-gc
// and under `ulimit -n 2N+200` (or the hard limit, if lower: the figure is in the table). It
// opens one DEALER first (warm-up, and with omq-io1 it starts the IO thread), takes a memory
// baseline, opens N more, takes the memory again, then closes them all. The rows:
// - connected: each DEALER connects over tcp to one ROUTER in another child process ("router",
//   same library), sends one message and waits for the echo, so all N are live. Opened in
//   batches of --batch (each batch: open, connect and send all, then await its echoes), so that
//   the listen backlog does not drop SYNs (a 1 s retransmit). Memory per socket + connection
//   in the sockets process, and per connection in the router's.
// - bound: each DEALER binds its own tcp://127.0.0.1:* and nobody connects: an idle socket
//   with its IO side (omq: its host channel; libzmq: its listener), and no connection.
// - bare: DEALERs that never bind or connect (nor use inproc): the socket object alone.
// Libraries: omq with ioThreads 0 and 1; zeromq.js with its default context ("zeromq",
// ZMQ_MAX_SOCKETS 1023) and with a context whose maxSockets is N + 100 ("zeromq-max").
//
// Memory is rss, and heapUsed and external summed over the process's threads (omq-io1's IO
// worker answers a probe preloaded with --import), after forced GCs, growth over the baseline,
// per socket. Growable SharedArrayBuffers (omq's rings) show in rss only. Threads, fds and
// memory mappings ("maps/sock": each counts against vm.max_map_count, 65,530 by default) are the
// process's own (/proc/self), native threads included. "echo µs": the median of 200 round trips
// on the warm-up socket, alone and then beside the N idle ones (what idle sockets cost the live
// one). "open s" is from the first of the N to the last echo; "close s" closes all N and
// terminates omq's context. A library that cannot open N reports where and why it stopped, with
// the figures for what it did open; a batch whose echoes do not all come within --timeout
// seconds is reported as a hang.
//
// Needs ~2N + 100 fds for zeromq.js (each libzmq socket holds an eventfd besides its connection
// or listener), ~N + 100 for omq; 16 fds are held back while opening, so that a process at its
// limit can still measure itself. zeromq.js deletes `context` from the options object it is
// given, so every socket here gets options of its own. At 10,000 sockets: ~10 minutes on
// 2 vCPUs, most of it omq-io1's (see BENCHMARKS.md).
import { closeSync, openSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"
import {
  benchArgs,
  childWith,
  exited,
  memoryAfterGc,
  memoryMappings,
  message,
  openLib,
  processCounts,
  quantile,
  roundTrips,
  workerMemoryProbe,
} from "./child-processes.js"

const LIBS = ["omq-io0", "omq-io1", "zeromq", "zeromq-max"]
const ROWS = ["connected", "bound", "bare"]
const KiB = 1024
const MiB = 1024 * 1024
const PROBE_CHANNEL = "omq-bench-many-sockets-memory"
const WORKER_PROBE = workerMemoryProbe(PROBE_CHANNEL)
const HELLO = Buffer.from("hello")
const ECHOES = 200 // round trips timed on the warm-up socket, alone and beside the N
const ECHO_WARMUP = 100 // round trips before those (JIT, buffers)
const FD_RESERVE = 16 // fds held back while opening, so that measuring still works at EMFILE

/**
 * The library of a child: "zeromq" keeps its default limit (1,023 sockets per context);
 * zeromq-max and omq get a context that allows `sockets` (+ 100). omq's default is libzmq's
 * too (per thread), so a program that opens 10,000 sockets sets maxSockets with either.
 */
function open(lib, sockets) {
  if (lib === "zeromq") return openLib(lib)
  return openLib(lib === "zeromq-max" ? "zeromq" : lib, sockets + 100)
}

/** IO worker threads that answer the memory probe (omq starts one at the first tcp socket). */
const workersOf = (lib, row) => (lib === "omq-io1" && row !== "bare" ? 1 : 0)

/** `promise`, or `fallback` after `ms` (the timer does not keep the process alive). */
const within = (promise, ms, fallback) =>
  Promise.race([promise, sleep(ms, fallback, { ref: false })])

/** The next IPC message from the parent that `pick` accepts. */
const fromParent = (pick) =>
  new Promise((resolve) => {
    const on = (m) => {
      if (!pick(m)) return
      process.off("message", on)
      resolve(m)
    }
    process.on("message", on)
  })

/** Short text of an error, with its code. */
const describe = (err) => `${err?.code ? `${err.code}: ` : ""}${err?.message ?? String(err)}`

// ---- router process ------------------------------------------------------------------------

/** One ROUTER that echoes every message; measures its memory when the parent asks. */
async function router(lib) {
  const { Router, opts, done } = await open(lib, 0)
  const sock = new Router(opts)
  await sock.bind("tcp://127.0.0.1:*")
  const loop = (async () => {
    for await (const [id, body] of sock) await sock.send([id, body])
  })().catch(() => {}) // ends when the socket closes
  process.send({ endpoint: sock.lastEndpoint })
  for (;;) {
    const cmd = await fromParent(() => true)
    if (cmd.exit) break
    const memory = await memoryAfterGc(PROBE_CHANNEL, workersOf(lib, "connected"))
    process.send({ memory, label: cmd.measure, counts: processCounts() })
  }
  sock.close()
  await within(done(), 10_000)
  await loop
}

// ---- sockets process -----------------------------------------------------------------------

/**
 * Opens one socket of `row`: connected (and live: one echo), bound, or bare. Resolves once
 * it is open; `echo` (connected only) once its echo is in.
 */
async function openOne(zmq, row, endpoint) {
  const sock = new zmq.Dealer({ ...zmq.opts }) // zeromq.js deletes `context` from the options
  if (row === "bound") await sock.bind("tcp://127.0.0.1:*")
  if (row !== "connected") return { sock, echo: null }
  sock.connect(endpoint)
  await sock.send(HELLO)
  return { sock, echo: sock.receive() }
}

async function sockets(lib, row, n, endpoint, batch, timeoutMs) {
  const reserve = Array.from({ length: FD_RESERVE }, () => openSync("/dev/null", "r"))
  const zmq = await open(lib, n)
  let all = []
  const first = await openOne(zmq, row, endpoint)
  all.push(first.sock)
  await first.echo
  /** Median µs of ECHOES round trips on the warm-up socket (connected only), or null on a hang. */
  const echo = async () => {
    if (row !== "connected") return null
    const trips = roundTrips(first.sock, ECHO_WARMUP + ECHOES, HELLO, ECHO_WARMUP).then((sorted) =>
      quantile(sorted, 0.5),
    )
    return within(trips, timeoutMs, null)
  }
  const echoAlone = await echo()
  const base = await memoryAfterGc(PROBE_CHANNEL, workersOf(lib, row))
  const baseCounts = { ...processCounts(), maps: memoryMappings() }
  process.send({ warm: true })
  await fromParent((m) => m.go)

  let stopped = null
  let live = 0
  let failed = null
  /** Sockets whose echo has not come yet. */
  const waiting = new Set()
  const t0 = performance.now()
  while (all.length - 1 < n && !stopped) {
    const echoes = []
    const upTo = Math.min(n, all.length - 1 + batch)
    while (all.length - 1 < upTo) {
      try {
        const { sock, echo } = await openOne(zmq, row, endpoint)
        all.push(sock)
        if (!echo) continue
        waiting.add(sock)
        const done = () => waiting.delete(sock) && live++
        echoes.push(echo.then(done, (err) => (failed ??= describe(err))))
      } catch (err) {
        stopped = `stopped at socket ${all.length + 1} of ${n + 1}: ${describe(err)}`
        break
      }
    }
    const answered = await within(
      Promise.all(echoes).then(() => true),
      timeoutMs,
      false,
    )
    if (failed) stopped ??= `receive: ${failed}`
    if (!answered) stopped ??= `hang: not all echoed within ${timeoutMs / 1000} s`
  }
  const seconds = (performance.now() - t0) / 1000
  // Sockets left without an echo (their connection never came up) go before measuring: libzmq
  // retries such a connect for as long as the socket lives, taking every fd that comes free.
  const unanswered = waiting.size
  if (unanswered > 0) {
    for (const sock of waiting) sock.close()
    all = all.filter((sock) => !waiting.has(sock))
    stopped += `; ${unanswered} without an echo closed before measuring`
    await sleep(1000)
  }
  const opened = all.length - 1
  for (const fd of reserve) closeSync(fd) // reading /proc and rss takes an fd
  const after = await memoryAfterGc(PROBE_CHANNEL, workersOf(lib, row))
  const counts = { ...processCounts(), maps: memoryMappings() }
  const echoBeside = await echo()
  process.send({
    opened,
    live,
    seconds,
    stopped,
    base,
    after,
    baseCounts,
    counts,
    echoAlone,
    echoBeside,
  })

  await fromParent((m) => m.close)
  const t1 = performance.now()
  for (const sock of all) sock.close()
  const closed = await within(
    zmq.done().then(() => true),
    timeoutMs,
    false,
  )
  process.send({ closeSeconds: (performance.now() - t1) / 1000, closed })
}

// ---- parent --------------------------------------------------------------------------------

/** Sends `command` to a child and waits for its reply that `pick` accepts. */
function ask(proc, command, pick) {
  const reply = message(proc, pick)
  proc.send(command)
  return reply
}

/** A child's reply, or { failed } if it exits first or takes longer than `ms`. */
const reply = (proc, pick, ms) =>
  within(
    message(proc, pick).catch((err) => ({ failed: String(err) })),
    ms,
    { failed: `no reply within ${ms / 1000} s` },
  )

async function measure(lib, row, values) {
  const n = Number(values.sockets)
  const fdLimit = 2 * n + 200
  const flags = ["--expose-gc", ...(lib === "omq-io1" ? ["--import", WORKER_PROBE] : [])]
  const routerLib = lib === "zeromq-max" ? "zeromq" : lib
  const rt =
    row === "connected"
      ? childWith(import.meta.url, ["--role", "router", "--lib", routerLib], {
          nodeFlags: flags,
          fdLimit,
        })
      : null
  const { endpoint = "" } = rt ? await message(rt, (m) => m.endpoint) : {}
  const args = ["--role", "sockets", "--lib", lib, "--row", row, "--sockets", `${n}`]
  const extra = ["--batch", values.batch, "--timeout", values.timeout, "--endpoint", endpoint]
  const sk = childWith(import.meta.url, [...args, ...extra], { nodeFlags: flags, fdLimit })
  sk.setMaxListeners(0)
  rt?.setMaxListeners(0)
  const slow = Number(values.timeout) * 1000 * Math.ceil(n / Number(values.batch) + 2)
  const result = { lib, row }
  try {
    const warm = await reply(sk, (m) => m.warm, 60_000)
    if (warm.failed) return { ...result, failed: `warm-up: ${warm.failed}` }
    const routerBase = rt ? await ask(rt, { measure: "base" }, (m) => m.label === "base") : null
    sk.send({ go: true })
    const opened = await reply(sk, (m) => m.opened !== undefined, slow)
    if (opened.failed) return { ...result, failed: opened.failed }
    Object.assign(result, opened)
    if (rt) {
      const loaded = await ask(rt, { measure: "loaded" }, (m) => m.label === "loaded")
      result.router = { base: routerBase.memory, after: loaded.memory, counts: loaded.counts }
    }
    sk.send({ close: true })
    const closed = await reply(sk, (m) => m.closeSeconds !== undefined, slow)
    Object.assign(result, closed)
  } finally {
    if (rt?.connected) rt.send({ exit: true })
    for (const proc of [sk, rt]) {
      if (!proc) continue
      const ended = await within(
        exited(proc).then(() => true),
        20_000,
        false,
      )
      if (!ended) {
        proc.kill("SIGKILL")
        await exited(proc)
        result.lingered = true
      }
      if (proc === sk && proc.exitCode !== 0) result.crashed = proc.signalCode ?? proc.exitCode
    }
  }
  return result
}

const us = (x) => (x == null ? "hang" : x.toFixed(0))

/** One table row: per-socket figures in KiB, counts, times. */
function tableRow(r) {
  const problems = [
    r.failed,
    r.stopped,
    r.closed === false && "close: hang",
    r.lingered && "did not exit",
    r.crashed != null && `exit ${r.crashed}`,
  ].filter(Boolean)
  if (r.failed) return { library: r.lib, row: r.row, problems: problems.join("; ") }
  const per = (field, of = r) => ((of.after[field] - of.base[field]) / KiB / r.opened).toFixed(1)
  return {
    library: r.lib,
    row: r.row,
    sockets: r.opened,
    live: r.row === "connected" ? r.live : "–",
    "open s": r.seconds.toFixed(1),
    "rss KiB/sock": per("rss"),
    "heap KiB/sock": per("heapUsed"),
    "ext KiB/sock": per("external"),
    "rss MiB": (r.after.rss / MiB).toFixed(0),
    threads: r.counts.threads,
    fds: r.counts.fds,
    "fd limit": r.counts.fdLimit,
    "maps/sock": ((r.counts.maps - r.baseCounts.maps) / r.opened).toFixed(1),
    "echo µs 1 → N+1": r.row === "connected" ? `${us(r.echoAlone)} → ${us(r.echoBeside)}` : "–",
    "router rss KiB/conn": r.router ? per("rss", r.router) : "–",
    "router heap+ext KiB/conn": r.router
      ? (
          (r.router.after.heapUsed +
            r.router.after.external -
            r.router.base.heapUsed -
            r.router.base.external) /
          KiB /
          r.opened
        ).toFixed(1)
      : "–",
    "close s": r.closeSeconds?.toFixed(1) ?? "–",
    ...(problems.length ? { problems: problems.join("; ") } : {}),
  }
}

async function main() {
  const values = benchArgs({
    sockets: { type: "string", default: "10000" },
    batch: { type: "string", default: "500" },
    timeout: { type: "string", default: "120" },
    row: { type: "string" },
    rows: { type: "string", default: ROWS.join(",") },
    libs: { type: "string", default: LIBS.join(",") },
  })
  const n = Number(values.sockets)
  if (values.role === "router") return router(values.lib)
  if (values.role === "sockets") {
    const timeoutMs = Number(values.timeout) * 1000
    return sockets(values.lib, values.row, n, values.endpoint, Number(values.batch), timeoutMs)
  }

  const libs = values.libs.split(",")
  const rows = values.rows.split(",")
  for (const lib of libs) if (!LIBS.includes(lib)) throw new Error(`unknown library ${lib}`)
  for (const row of rows) if (!ROWS.includes(row)) throw new Error(`unknown row ${row}`)
  const started = performance.now()
  const table = []
  for (const row of rows) {
    for (const lib of libs) {
      const r = await measure(lib, row, values)
      if (process.env.MANY_SOCKETS_JSON) console.error(JSON.stringify(r))
      table.push(tableRow(r))
      console.error(`${lib} ${row}: done`)
    }
  }
  console.log(
    `\n${n} DEALER sockets in one process (after 1 warm-up), growth over the baseline per socket, ` +
      "after forced GCs, all threads",
  )
  console.table(table)
  console.error(`bench took ${((performance.now() - started) / 1000).toFixed(0)} s`)
}

await main()
