// Every program in examples/ runs to completion on its own (no leaked handles keep it alive)
// and prints what it is meant to show.
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Dealer, Subscriber } from "omq"

const examples = fileURLToPath(new URL("../../../../examples/", import.meta.url))

function run(name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [`${examples}${name}`], { timeout: 30_000 }, (err, stdout) => {
      if (err) reject(err)
      else resolve(stdout)
    })
  })
}

describe("examples", () => {
  it("push-pull.js: ten tasks through a ventilator, two workers and a sink", async () => {
    assert.match(await run("push-pull.js"), /10 tasks through PUSH\/PULL over tcp/)
  })

  it("shared-queue.js: nine requests, each answered, through a ROUTER↔DEALER proxy", async () => {
    const out = await run("shared-queue.js")
    assert.equal(out.match(/done by w\d/g)?.length, 9)
    assert.match(out, /proxy: 9 requests in, 9 replies out/)
  })

  it("forwarder.js: each subscriber gets the topics it asked for through an XSUB↔XPUB proxy", async () => {
    const out = await run("forwarder.js")
    assert.match(out, /weather subscriber: sunny/)
    assert.match(out, /catch-all subscriber: sports: 3-1, weather: sunny/)
  })

  it("inproc-pipeline.js: thirty tasks through three worker threads over inproc, each back once", async () => {
    const out = await run("inproc-pipeline.js")
    assert.match(out, /worker threads \d+, \d+, \d+ ready/)
    assert.match(out, /30 tasks through 3 worker threads over inproc/)
    // Every worker was ready before the first task, so PUSH gave each of them some. (Node quotes
    // the keys with ', Bun and Deno with ".)
    const counts = [...out.matchAll(/['"]thread \d+['"]: (\d+)/g)].map((m) => Number(m[1]))
    assert.equal(counts.length, 3)
    assert.ok(counts.every((n) => n > 0))
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      30,
    )
  })

  it("worker-pool.js: nine tcp requests answered by worker threads behind an inproc DEALER", async () => {
    const out = await run("worker-pool.js")
    const replies = [...out.matchAll(/request (\d+): answered by worker thread (\d+)/g)]
    assert.deepEqual(
      replies.map((m) => Number(m[1])).sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    )
    assert.equal(new Set(replies.map((m) => m[2])).size, 3)
    assert.match(out, /9 requests answered by 3 worker threads over inproc/)
  })

  it("clean-exit.js: shutdown() reaches three worker threads, which close on ETERM", async () => {
    const out = await run("clean-exit.js")
    assert.match(out, /10 results in; shutting the context down/)
    assert.match(out, /3 workers exited with codes 0, 0, 0; context terminated/)
  })

  it("dashboard/server.js: the page, its script and both ws paths on one port; a SUB gets metrics, a DEALER's command is answered", async () => {
    const { startDashboard } = (await import(`${examples}dashboard/server.js`)) as {
      startDashboard(o: { port: number }): Promise<{ url: string; close(): void }>
    }
    const dashboard = await startDashboard({ port: 0 })
    const sub = new Subscriber({ linger: 0 })
    const dealer = new Dealer({ linger: 0, routingId: "test-page" })
    try {
      const page = await fetch(dashboard.url)
      assert.match(await page.text(), /<html/i)
      assert.equal((await fetch(`${dashboard.url}page.js`)).status, 200)
      const endpoints = (await (await fetch(`${dashboard.url}endpoints.json`)).json()) as {
        metrics: string
        commands: string
      }
      const port = new URL(dashboard.url).port
      assert.equal(endpoints.metrics, `ws://127.0.0.1:${port}/metrics`)
      assert.equal(endpoints.commands, `ws://127.0.0.1:${port}/commands`)
      sub.subscribe("metrics")
      sub.connect(endpoints.metrics)
      const [topic, sample] = await sub.receive()
      assert.equal(String(topic), "metrics")
      assert.equal(typeof JSON.parse(String(sample)).rss, "number")
      dealer.connect(endpoints.commands)
      await dealer.send(["reset", ""])
      assert.deepEqual((await dealer.receive()).map(String), ["ok", "counter reset"])
    } finally {
      sub.close()
      dealer.close()
      dashboard.close()
    }
  })
})
