// CPU of idle connections with ZMTP heartbeats (issue 9: "10,000 idle connections with
// heartbeatInterval 1000: CPU < 5 % of one core"), omq (ioThreads 0 and 1) against zeromq.js.
//
//   node bench/heartbeat-idle.js [--runs 3] [--connections 10000] [--procs 2] [--seconds 20]
//                                [--interval 1000] [--timeout 10000] [--batch 500] [--settle 3]
//                                [--libs omq-io0,omq-io1,zeromq] [--cpu-prof-dir DIR]
//
// Per library and run, 1 + --procs child processes of that library, each under `ulimit -n
// 65536` (or the hard limit, if lower):
// - router: one ROUTER bound to tcp://127.0.0.1:* that echoes every message and counts the
//   routing ids it has seen (more than --connections means some peer reconnected).
// - dealers (--procs of them, started one after the other): --connections / --procs DEALERs
//   each, opened in batches of --batch (each batch: open, connect, send "hello", then await
//   the echoes), so that every connection is live and the listen backlog does not drop SYNs.
// Every socket has heartbeatInterval --interval (0: no heartbeats, the baseline) and
// heartbeatTimeout --timeout (-1: the default, the interval; on this shared 2-vCPU box a 1 s
// timeout drops connections whenever a process stalls for a second, e.g. while the other side
// opens its sockets, and the churn then swamps the measurement; a longer timeout sends no
// more PINGs; pass -1 as --timeout=-1), heartbeatTimeToLive at its default. Each library gets a
// context whose maxSockets is the process's share + 100: with the default (1,023 sockets per
// context, per thread in omq) a dealers process could not open its share. Each libzmq socket holds an eventfd
// beside its connection, so 10,000 zeromq.js DEALERs need two processes under the usual hard
// limit of 20,000 fds; --procs 2 (the default) is used for every library alike. Its ROUTER
// gets a backlog of 1,024. (At 10,000 zeromq.js still stalls on this box: see BENCHMARKS.md.)
//
// Once all are connected and --settle seconds have passed, every child measures its own CPU
// time (process.cpuUsage: user + system, all threads, native ones too) over the same
// --seconds, as % of one core. The parent counts the tcp segments in and out of the router's
// connections over that window (`ss -ti`: segs_in + segs_out), which shows that the heartbeats
// flow (no heartbeats: ~0). Afterwards every DEALER sends one more message and awaits its
// echo, so that a connection the heartbeats dropped would show (as "alive" < connections, or
// as a new routing id at the router).
//
// --cpu-prof-dir: the router writes a CPU profile of its main thread over the measured seconds
// to DIR (not of omq-io1's IO worker, where the connections are).
//
// Prints the median over runs of each figure ("echoed at open": connections that echoed while
// the batches opened, within 20 s of their batch). HB_DEBUG=1 in the environment makes each
// dealers process print every batch's echo count.
import { execFileSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import {
  benchArgs,
  childWith,
  exited,
  median,
  message,
  openLib,
  pass,
  reach,
  roleArgs,
} from "./child-processes.js"

const FD_LIMIT = 65536
const HELLO = Buffer.from("hello")
const ECHO_TIMEOUT_MS = 20_000

/** The library of a child, with a context that allows `sockets` (+ 100). */
const open = (lib, sockets) => openLib(lib, sockets + 100)

/**
 * In a child: once the parent lets it pass "measure", its CPU over `seconds`, as % of one core,
 * sent to the parent. With `profileDir`, a CPU profile of this thread over the same seconds is
 * written there (node --cpu-prof would take in the opening too).
 */
async function measureCpu(seconds, profileDir, name) {
  await reach("measure")
  const session = profileDir ? new Session() : null
  if (session) {
    session.connect()
    await session.post("Profiler.enable")
    await session.post("Profiler.start")
  }
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await sleep(seconds * 1000)
  const { user, system } = process.cpuUsage(cpu0)
  const elapsedUs = (performance.now() - t0) * 1000
  if (session) {
    const { profile } = await session.post("Profiler.stop")
    session.disconnect()
    writeFileSync(join(profileDir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile))
  }
  process.send({
    cpu: { total: (100 * (user + system)) / elapsedUs, user: (100 * user) / elapsedUs },
  })
}

/** Child: the ROUTER. */
async function router(lib, heartbeats, seconds, profileDir) {
  const { Router, opts, done } = await open(lib, 100)
  // libzmq listens with a backlog of 100 (ZMQ_BACKLOG), which drops SYNs of a batch of 500
  // (a retransmit 1, 3, 7 s later); omq listens with Node's 511.
  const backlog = lib === "zeromq" ? { backlog: 1024 } : {}
  const sock = new Router({ ...opts, ...heartbeats, ...backlog, linger: 0 })
  await sock.bind("tcp://127.0.0.1:*")
  const seen = new Set()
  const loop = (async () => {
    for await (const [id, body] of sock) {
      seen.add(id.toString("hex"))
      await sock.send([id, body])
    }
  })().catch(() => {}) // ends when the socket closes
  process.send({ endpoint: sock.lastEndpoint })
  await measureCpu(seconds, profileDir, `router-${lib}`)
  await reach("exit")
  process.send({ ids: seen.size })
  sock.close()
  await done()
  await loop
}

/** Receives still waited for, by socket (an echo that came late; one receive at a time). */
const waiting = new Map()

/** Sends "hello" on each of `socks` and resolves with how many echoes came within the timeout. */
async function echoAll(socks) {
  let answered = 0
  const echoes = socks.map(async (s) => {
    await s.send(HELLO)
    if (!waiting.has(s)) waiting.set(s, s.receive())
    await waiting.get(s)
    waiting.delete(s)
    answered++
  })
  await Promise.race([Promise.all(echoes), sleep(ECHO_TIMEOUT_MS, null, { ref: false })])
  if (process.env.HB_DEBUG) console.error(`pid ${process.pid}: ${answered}/${socks.length} echoed`)
  return answered
}

/** Child: `n` DEALERs connected to the ROUTER at `endpoint`, in batches of `batch`. */
async function dealers(lib, n, endpoint, heartbeats, batch, seconds) {
  const { Dealer, opts, done } = await open(lib, n)
  const socks = []
  const t0 = performance.now()
  let alive = 0
  for (let i = 0; i < n; i += batch) {
    const group = []
    for (let j = i; j < Math.min(n, i + batch); j++) {
      // zeromq.js deletes `context` from its options: each socket gets its own object.
      const sock = new Dealer({ ...opts, ...heartbeats, linger: 0 })
      sock.connect(endpoint)
      group.push(sock)
    }
    socks.push(...group)
    alive += await echoAll(group)
  }
  process.send({ connected: alive, seconds: (performance.now() - t0) / 1000 })
  await measureCpu(seconds)
  await reach("echo")
  process.send({ alive: await echoAll(socks) })
  await reach("exit")
  for (const s of socks) s.close()
  await done()
}

/** tcp segments in and out of the connections of local port `port` so far (`ss -ti`). */
function segments(port) {
  const out = execFileSync("ss", ["-Htin", "state", "established", `( sport = :${port} )`], {
    maxBuffer: 256 * 1024 * 1024,
  }).toString()
  let total = 0
  for (const m of out.matchAll(/segs_(?:in|out):(\d+)/g)) total += Number(m[1])
  return total
}

/**
 * Lets every child of `procs` pass point `name` (each is there already: see reach() in
 * child-processes.js) and resolves with the message of each that `pick` accepts.
 */
const passFor = (procs, name, pick) => {
  const replies = Promise.all(procs.map((p) => message(p, pick)))
  pass(procs, name)
  return replies
}

/** One measurement of `lib`: the figures of one row. */
async function measure(lib, o) {
  // The timeout goes as --timeout=N: as "--timeout", "-1", parseArgs would take -1 for an option.
  const spawnRole = (role, params) => {
    const proc = childWith(
      import.meta.url,
      [...roleArgs(role, lib, params), `--timeout=${o.timeout}`],
      { fdLimit: FD_LIMIT },
    )
    // A router whose parent died would live on (its sockets keep it alive): end it then.
    const end = () => proc.kill()
    process.on("exit", end)
    proc.on("exit", () => process.off("exit", end))
    return proc
  }
  const rtr = spawnRole("router", {
    interval: o.interval,
    seconds: o.seconds,
    ...(o.profileDir ? { "cpu-prof-dir": o.profileDir } : {}),
  })
  const { endpoint } = await message(rtr, (m) => m.endpoint)
  const port = Number(endpoint.split(":").pop())
  const share = Math.ceil(o.connections / o.procs)
  const procs = []
  let connected = 0
  let openSeconds = 0
  for (let p = 0; p < o.procs; p++) {
    const n = Math.min(share, o.connections - p * share)
    const d = spawnRole("dealers", {
      n,
      endpoint,
      interval: o.interval,
      batch: o.batch,
      seconds: o.seconds,
    })
    procs.push(d)
    const reply = await message(d, (m) => m.connected !== undefined)
    connected += reply.connected
    openSeconds += reply.seconds
  }
  await sleep(o.settle * 1000)
  const all = [rtr, ...procs]
  const segs0 = segments(port)
  const t0 = performance.now()
  const cpus = await passFor(all, "measure", (m) => m.cpu)
  const segsPerSecond = (segments(port) - segs0) / ((performance.now() - t0) / 1000)
  const alive = (await passFor(procs, "echo", (m) => m.alive !== undefined)).reduce(
    (sum, m) => sum + m.alive,
    0,
  )
  const [{ ids }] = await passFor([rtr], "exit", (m) => m.ids !== undefined)
  pass(procs, "exit")
  await Promise.all(all.map(exited))
  const [router, ...rest] = cpus.map((m) => m.cpu)
  return {
    connected,
    openSeconds,
    routerCpu: router.total,
    routerUser: router.user,
    dealersCpu: rest.reduce((sum, c) => sum + c.total, 0),
    segsPerSecond,
    alive,
    ids,
  }
}

async function main() {
  const values = benchArgs({
    connections: { type: "string", default: "10000" },
    procs: { type: "string", default: "2" },
    seconds: { type: "string", default: "20" },
    interval: { type: "string", default: "1000" },
    timeout: { type: "string", default: "10000" },
    batch: { type: "string", default: "500" },
    settle: { type: "string", default: "3" },
    libs: { type: "string", default: "omq-io0,omq-io1,zeromq" },
    "cpu-prof-dir": { type: "string" },
    n: { type: "string" },
  })
  const interval = Number(values.interval)
  const timeout = Number(values.timeout)
  // -1 (the default) is left unset: libzmq takes its default but refuses to be set to it.
  const heartbeats = {
    heartbeatInterval: interval,
    ...(timeout >= 0 ? { heartbeatTimeout: timeout } : {}),
  }
  const seconds = Number(values.seconds)
  const profileDir = values["cpu-prof-dir"]
  if (values.role === "router") return router(values.lib, heartbeats, seconds, profileDir)
  if (values.role === "dealers")
    return dealers(
      values.lib,
      Number(values.n),
      values.endpoint,
      heartbeats,
      Number(values.batch),
      seconds,
    )

  const o = {
    connections: Number(values.connections),
    procs: Number(values.procs),
    seconds,
    profileDir,
    interval,
    timeout,
    batch: Number(values.batch),
    settle: Number(values.settle),
  }
  const libs = values.libs.split(",")
  const runs = Number(values.runs)
  const results = Object.fromEntries(libs.map((lib) => [lib, []]))
  // Interleave libraries run by run so that machine noise hits them alike.
  for (let r = 0; r < runs; r++)
    for (const lib of libs) {
      const result = await measure(lib, o)
      results[lib].push(result)
      console.error(`run ${r + 1} ${lib}: ${JSON.stringify(result)}`)
    }
  const rows = libs.map((lib) => {
    const med = (key) => median(results[lib].map((x) => x[key]))
    return {
      library: lib,
      "echoed at open": med("connected"),
      "open s": med("openSeconds").toFixed(1),
      "router CPU %": med("routerCpu").toFixed(2),
      "(user %)": med("routerUser").toFixed(2),
      [`dealers CPU % (${o.procs} procs)`]: med("dealersCpu").toFixed(2),
      "router segs/s": med("segsPerSecond").toFixed(0),
      "alive after": med("alive"),
      "router ids": med("ids"),
    }
  })
  const hb = interval
    ? `heartbeatInterval ${interval} ms and heartbeatTimeout ${timeout} ms on both sides`
    : "no heartbeats"
  console.log(
    `${o.connections} idle DEALER -> ROUTER tcp connections, ${hb}; CPU over ${o.seconds} s as` +
      ` % of one core (all threads of the process), median of ${runs} runs`,
  )
  console.table(rows)
}

await main()
