// Messages per second from a web page to Node over ws: a PUSH in headless Chromium (omq/browser)
// sends to a PULL bound on ws://127.0.0.1 in this process: zeromq.js's (libzmq 4.3.5) and
// omq's. A baseline row sends the same ZWS messages with the page's bare WebSocket (no omq), to
// show what the browser itself allows. Recorded only; there is no target.
//
//   node bench/browser-throughput.js [--runs 3] [--sizes 64,1024]
//
// Build first (npx tsc -p packages/runtime/tsconfig.json): the page harness is the browser
// tests' (packages/runtime/dist/test/helpers/browser-page.js). The page calls trySend() and
// awaits send() only when it returns false; the rate is taken at the PULL, from its first
// message to its last, and the median of --runs runs is printed.
import { parseArgs } from "node:util"
import { Pull } from "omq"
import * as zmq from "zeromq"
import { BrowserPage } from "../packages/runtime/dist/test/helpers/browser-page.js"

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    sizes: { type: "string", default: "64,1024" },
  },
})
const runs = Number(values.runs)
const sizes = values.sizes.split(",").map(Number)
const COUNT = 50_000

const PULLS = {
  "zeromq.js": { make: () => new zmq.Pull({ linger: 0 }), address: "ws://127.0.0.1:*" },
  omq: { make: () => new Pull({ linger: 0 }), address: "ws://127.0.0.1:*/bench" },
}

/** The page's side: omq/browser's PUSH, or a bare WebSocket sending the same ZWS messages. */
const SENDERS = {
  "omq/browser PUSH": async (endpoint, size, count) => {
    const push = new globalThis.omq.Push()
    push.connect(endpoint)
    const body = new Uint8Array(size).fill(7)
    for (let i = 0; i < count; i++) if (!push.trySend(body)) await push.send(body)
    push.close()
    await push.finished
  },
  "bare WebSocket": async (endpoint, size, count) => {
    const ws = new WebSocket(endpoint, ["ZWS2.0"])
    await new Promise((resolve) => (ws.onopen = resolve))
    ws.send(new Uint8Array(1)) // bare ZWS2.0: our (empty) routing id first
    const payload = new Uint8Array(1 + size).fill(7)
    payload[0] = 0
    for (let i = 0; i < count; i++) {
      ws.send(payload)
      // The same bound as the PUSH's high-water mark: about 1,000 messages in the buffer.
      while (ws.bufferedAmount > 1000 * payload.byteLength) {
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    }
    while (ws.bufferedAmount > 0) await new Promise((resolve) => setTimeout(resolve, 1))
    ws.close()
  },
}

/** One run: the page sends `count` messages of `size` bytes; messages/s at the PULL. */
async function run(page, sender, pullKind, size, count) {
  const { make, address } = PULLS[pullKind]
  const pull = make()
  await pull.bind(address)
  const received = (async () => {
    await pull.receive()
    const first = performance.now()
    for (let i = 1; i < count; i++) await pull.receive()
    return (count - 1) / ((performance.now() - first) / 1000)
  })()
  const sent = page.evaluate(SENDERS[sender], pull.lastEndpoint, size, count)
  const [rate] = await Promise.all([received, sent])
  pull.close()
  return rate
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]
const browser = await BrowserPage.open()
try {
  const cases = [
    ["omq/browser PUSH", "zeromq.js"],
    ["omq/browser PUSH", "omq"],
    ["bare WebSocket", "zeromq.js"],
  ]
  console.log(`| size | page sender | Node PULL | messages/s | MB/s |`)
  console.log(`| ---: | --- | --- | ---: | ---: |`)
  for (const size of sizes) {
    for (const [sender, pullKind] of cases) {
      const rates = []
      for (let i = 0; i < runs; i++)
        rates.push(await run(browser.page, sender, pullKind, size, COUNT))
      const rate = median(rates)
      const mb = ((rate * size) / 1e6).toFixed(2)
      const shown = Math.round(rate).toLocaleString("en")
      console.log(`| ${size} B | ${sender} | ${pullKind} | ${shown} | ${mb} |`)
    }
  }
  console.log(`\n${COUNT.toLocaleString("en")} messages a run, median of ${runs} runs.`)
} finally {
  if (browser.errors.length > 0) console.error("page errors:", browser.errors)
  await browser.close()
}
