// CURVE against a second libzmq: Debian's 4.3.4 through python3-zmq (built with libsodium),
// each side as server.
import { strict as assert } from "node:assert"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { it } from "node:test"
import { fileURLToPath } from "node:url"
import { type Context, Reply, Request } from "omq"
import { forEachIoThreads } from "./helpers/interop.js"
import { curveOptions } from "./helpers/security.js"
import { text } from "./helpers/spec.js"

const SCRIPT = fileURLToPath(new URL("../../test/fixtures/pyzmq-curve.py", import.meta.url))

/** Runs the Python peer; resolves with its first line matching `re`, and its exit. */
function python(args: string[]): {
  line: (re: RegExp) => Promise<string>
  exited: Promise<number | null>
} {
  const proc = spawn("/usr/bin/python3", [SCRIPT, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  })
  const lines: string[] = []
  const waiting: Array<{ re: RegExp; resolve: (l: string) => void }> = []
  createInterface({ input: proc.stdout! }).on("line", (line) => {
    lines.push(line)
    for (const w of waiting.filter((w) => w.re.test(line))) w.resolve(line)
  })
  return {
    line: (re) => {
      const hit = lines.find((l) => re.test(l))
      return hit ? Promise.resolve(hit) : new Promise((resolve) => waiting.push({ re, resolve }))
    },
    exited: new Promise((resolve) => proc.once("exit", resolve)),
  }
}

forEachIoThreads("CURVE with python3-zmq (libzmq 4.3.4)", (ctx: Context) => {
  it("an omq client talks to a libzmq 4.3.4 CURVE server", async () => {
    const keys = curveOptions()
    const server = keys.server as { curveSecretKey: string }
    const peer = python(["server", server.curveSecretKey])
    const port = (await peer.line(/^port /)).split(" ")[1]!
    const req = new Request({ context: ctx, linger: 0, ...keys.client })
    try {
      req.connect(`tcp://127.0.0.1:${port}`)
      await req.send("hello")
      assert.deepEqual(text(await req.receive()), ["pong:hello"])
      assert.equal(await peer.exited, 0)
    } finally {
      req.close()
    }
  })

  it("a libzmq 4.3.4 CURVE client talks to an omq server", async () => {
    const keys = curveOptions()
    const client = keys.client as Record<string, string>
    const rep = new Reply({ context: ctx, linger: 0, ...keys.server })
    try {
      await rep.bind("tcp://127.0.0.1:*")
      const port = rep.lastEndpoint!.split(":").pop()!
      const peer = python([
        "client",
        client.curveServerKey!,
        client.curvePublicKey!,
        client.curveSecretKey!,
        port,
      ])
      assert.deepEqual(text(await rep.receive()), ["ping"])
      await rep.send("pong")
      assert.equal(await peer.line(/^reply /), "reply pong")
      assert.equal(await peer.exited, 0)
    } finally {
      rep.close()
    }
  })
})
