// The dashboard's server: one node:http server serves the page and its script (esbuild bundles
// page.js with omq/browser at start), and two omq sockets bound on paths of that same server
// (ws://…/metrics, ws://…/commands) talk to every open page: a PUB streams this process's
// metrics, a ROUTER answers the pages' commands.
//
//   node examples/dashboard/server.js [port]      then open http://127.0.0.1:8080/

import { readFile } from "node:fs/promises"
import { createServer } from "node:http"
import { createRequire } from "node:module"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { Publisher, Router } from "omq"

// esbuild is a dev dependency of omq (packages/runtime); an application would depend on it.
const esbuild = createRequire(new URL("../../packages/runtime/package.json", import.meta.url))(
  "esbuild",
)
const here = fileURLToPath(new URL(".", import.meta.url))

/** Starts the dashboard on `port` (0: any); resolves with its URL and a close(). */
export async function startDashboard({ host = "127.0.0.1", port = 8080 } = {}) {
  const bundle = await esbuild.build({
    entryPoints: [`${here}page.js`],
    bundle: true,
    format: "esm",
    minify: true,
    write: false,
  })
  const files = {
    "/": ["text/html", await readFile(`${here}index.html`)],
    "/page.js": ["text/javascript", bundle.outputFiles[0].contents],
  }
  const http = createServer((request, response) => {
    const file = files[request.url]
    if (file) response.writeHead(200, { "content-type": file[0] }).end(file[1])
    else response.writeHead(404).end()
  })
  await new Promise((resolve) => http.listen(port, host, resolve))
  // The sockets serve their paths on the same server (and port) as the page.
  const metrics = new Publisher({ linger: 0 })
  await metrics.bind("ws://*:*/metrics", { server: http })
  const commands = new Router({ linger: 0 })
  await commands.bind("ws://*:*/commands", { server: http })
  const endpoints = { metrics: metrics.lastEndpoint, commands: commands.lastEndpoint }
  files["/endpoints.json"] = ["application/json", JSON.stringify(endpoints)]

  // What the PUB streams: memory, event-loop delay, and a counter the pages can reset.
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  const state = { counter: 0, every: 500, ballast: [] }
  let timer
  const publish = async () => {
    const { rss, heapUsed } = process.memoryUsage()
    const sample = {
      rss,
      heapUsed,
      loopDelayMs: delay.max / 1e6,
      counter: state.counter++,
      every: state.every,
    }
    delay.reset()
    await metrics.send(["metrics", JSON.stringify(sample)])
    timer = setTimeout(publish, state.every)
  }
  void publish()

  // Commands from the pages' DEALERs: [command, argument] → [status, text].
  const handle = (command, argument) => {
    switch (command) {
      case "reset":
        state.counter = 0
        return "counter reset"
      case "burn": {
        const ms = Math.min(Number(argument) || 200, 2000)
        const end = Date.now() + ms
        while (Date.now() < end) {} // blocks the event loop on purpose
        return `burnt ${ms} ms of CPU`
      }
      case "allocate":
        state.ballast.push(Buffer.alloc(20 * 1024 * 1024, 1))
        return `holding ${state.ballast.length * 20} MB`
      case "free":
        state.ballast = []
        return "ballast freed"
      case "rate":
        state.every = Math.min(Math.max(Number(argument) || 500, 100), 5000)
        return `publishing every ${state.every} ms`
      default:
        throw new Error(`unknown command ${command}`)
    }
  }
  void (async () => {
    for await (const [page, command, argument] of commands) {
      let answer
      try {
        answer = ["ok", handle(String(command), String(argument ?? ""))]
      } catch (err) {
        answer = ["error", err.message]
      }
      await commands.send([page, ...answer])
      // Every page hears what any page did.
      await metrics.send(["log", `${page.toString()}: ${answer[1]}`])
    }
  })()

  return {
    url: `http://${host}:${http.address().port}/`,
    close() {
      clearTimeout(timer)
      delay.disable()
      metrics.close()
      commands.close()
      http.closeAllConnections()
      http.close()
    },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dashboard = await startDashboard({ port: Number(process.argv[2] ?? 8080) })
  console.log(`dashboard on ${dashboard.url} (Ctrl-C stops it)`)
}
