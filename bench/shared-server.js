// A SERVER shared by worker threads against a single-threaded SERVER (issue 10: "SERVER with 4
// worker threads sharing it, against a single-threaded SERVER, with a CPU-bound handler of
// 200 µs"):
//   node bench/shared-server.js [--runs 3] [--requests 4000] [--work-us 200] [--window 64]
//                               [--workers 4] [--io 1] [--read-ahead 0]
// The SERVER binds tcp in the main thread of this process. "single": the main thread receives
// each request, spins --work-us µs, and replies by routing id. "shared": --workers worker threads
// attach to the same socket (socket.share() / attachShared) and do the same, each receive()
// served to one waiting thread. A CLIENT in a child process keeps --window requests in flight and
// measures replies per second. --read-ahead: messages each worker takes ahead of its receive()
// (attachShared's readAhead). Prints the median over runs and the ratio shared / single.
// (zeromq.js cannot share a socket between threads, so there is no zeromq.js row.)
import { fork } from "node:child_process"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { Context } from "omq"
import { attachShared, Client, Server } from "omq/draft"

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}

function spin(us) {
  const end = performance.now() + us / 1000
  while (performance.now() < end) {
    // the request's CPU-bound work
  }
}

async function serve(socket, workUs) {
  for await (const [request, { routingId }] of socket) {
    spin(workUs)
    await socket.send(request, { routingId })
  }
}

if (process.argv[2] === "--client") {
  // Child process: the CLIENT.
  const [endpoint, requests, window] = [
    process.argv[3],
    Number(process.argv[4]),
    Number(process.argv[5]),
  ]
  const client = new Client({ context: new Context({ ioThreads: 0 }), linger: 0 })
  client.connect(endpoint)
  await client.send("warm-up")
  await client.receive()
  const started = performance.now()
  let sent = 0
  for (; sent < Math.min(window, requests); sent++) await client.send("r")
  for (let got = 0; got < requests; got++) {
    await client.receive()
    if (sent < requests) {
      await client.send("r")
      sent++
    }
  }
  const seconds = (performance.now() - started) / 1000
  process.send({ perSecond: requests / seconds })
  client.close()
  await client.finished
  process.exit(0)
} else if (!isMainThread) {
  const socket = await attachShared(workerData.handle, { readAhead: workerData.readAhead })
  parentPort.postMessage("ready")
  await serve(socket, workerData.workUs)
} else {
  const runs = arg("--runs", 3)
  const requests = arg("--requests", 4000)
  const workUs = arg("--work-us", 200)
  const window = arg("--window", 64)
  const workerCount = arg("--workers", 4)
  const io = arg("--io", 1)
  const readAhead = arg("--read-ahead", 0)

  async function measure(mode) {
    const context = new Context({ ioThreads: io })
    const server = new Server({ context, linger: 0 })
    await server.bind("tcp://127.0.0.1:*")
    const workers = []
    if (mode === "single") {
      void serve(server, workUs).catch(() => {})
    } else {
      for (let i = 0; i < workerCount; i++) {
        const worker = new Worker(new URL(import.meta.url), {
          workerData: { handle: server.share(), workUs, readAhead },
        })
        await new Promise((resolve) => worker.once("message", resolve))
        workers.push(worker)
      }
    }
    const child = fork(new URL(import.meta.url), [
      "--client",
      server.lastEndpoint,
      String(requests),
      String(window),
    ])
    const [{ perSecond }] = await new Promise((resolve) =>
      child.once("message", (m) => resolve([m])),
    )
    server.close()
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once("exit", resolve))))
    await context.closeSocketsAndTerminate()
    return perSecond
  }

  const results = { single: [], shared: [] }
  for (let r = 0; r < runs; r++) {
    for (const mode of ["single", "shared"]) {
      const perSecond = await measure(mode)
      results[mode].push(perSecond)
      console.log(`run ${r + 1} ${mode}: ${Math.round(perSecond)} requests/s`)
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const single = median(results.single)
  const shared = median(results.shared)
  console.log(
    `SERVER over tcp, ${workUs} µs of CPU per request, ${window} in flight, ioThreads ${io}, readAhead ${readAhead}; median of ${runs}`,
  )
  console.table([
    { server: "single thread", "requests/s": Math.round(single), "/ single": "1.00" },
    {
      server: `shared by ${workerCount} workers`,
      "requests/s": Math.round(shared),
      "/ single": (shared / single).toFixed(2),
    },
  ])
}
