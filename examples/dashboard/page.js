// The dashboard page: a SUB for the server's metrics and log, a DEALER for commands, both over
// ws with omq/browser. server.js bundles this file with esbuild.
import { Dealer, Subscriber } from "omq/browser"

const { metrics, commands } = await (await fetch("/endpoints.json")).json()
const $ = (id) => document.getElementById(id)
$("endpoints").textContent = `SUB ${metrics} · DEALER ${commands}`

const history = { rss: [], loopDelayMs: [], counter: [] }
const show = {
  rss: (bytes) => `${(bytes / 1048576).toFixed(1)} MB`,
  loopDelayMs: (ms) => `${ms.toFixed(1)} ms`,
  counter: (n) => String(n),
}

/** Draws the last 60 values of `name` as a line scaled to its own range. */
function draw(name) {
  const values = history[name]
  const low = Math.min(...values)
  const high = Math.max(...values, low + 1e-9)
  const points = values.map((v, i) => `${(i / 59) * 100},${58 - ((v - low) / (high - low)) * 56}`)
  $(`${name}-chart`).querySelector("polyline").setAttribute("points", points.join(" "))
}

function logLine(list, text) {
  const item = document.createElement("li")
  item.textContent = `${new Date().toLocaleTimeString()}  ${text}`
  $(list).prepend(item)
}

// Subscriptions are kept and sent again on every reconnect.
const sub = new Subscriber()
sub.subscribe("metrics", "log")
sub.events.on(
  "handshake",
  () => ($("status").textContent = "live") && $("status").classList.add("up"),
)
sub.events.on("disconnect", () => {
  $("status").textContent = "reconnecting…"
  $("status").classList.remove("up")
})
sub.connect(metrics)

const decoder = new TextDecoder()
void (async () => {
  for await (const [topic, body] of sub) {
    const text = decoder.decode(body)
    if (decoder.decode(topic) === "log") {
      logLine("log", text)
      continue
    }
    const sample = JSON.parse(text)
    for (const name of Object.keys(history)) {
      history[name] = [...history[name], sample[name]].slice(-60)
      $(name).textContent = show[name](sample[name])
      draw(name)
    }
    document.body.dataset.points = String(history.rss.length)
  }
})()

// One DEALER: each command is a request the ROUTER answers; a page's id tells pages apart.
const dealer = new Dealer({ routingId: `page-${Math.random().toString(36).slice(2, 7)}` })
dealer.connect(commands)
for (const button of document.querySelectorAll("button[data-command]")) {
  button.addEventListener("click", async () => {
    const started = performance.now()
    await dealer.send([button.dataset.command, button.dataset.argument ?? ""])
    const [status, text] = (await dealer.receive()).map((f) => decoder.decode(f))
    const ms = (performance.now() - started).toFixed(1)
    logLine("replies", `${status}: ${text} (${ms} ms)`)
    document.body.dataset.replies = String(Number(document.body.dataset.replies ?? 0) + 1)
  })
}
