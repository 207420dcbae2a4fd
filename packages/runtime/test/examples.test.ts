// Every program in examples/ runs to completion on its own (no leaked handles keep it alive)
// and prints what it is meant to show.
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"

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
})
