// The patterns' examples in examples/patterns/ run as a user would run them, against each other.
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"

const examples = fileURLToPath(new URL("../../../../examples/", import.meta.url))

describe("examples/patterns", () => {
  it("patterns/lpclient.js against lpserver.js: every reply matched, exit 0", async () => {
    const server = execFile(process.execPath, [
      `${examples}patterns/lpserver.js`,
      "tcp://127.0.0.1:0",
      "3",
    ])
    try {
      // The server prints where it listens first (the port is the system's pick).
      const endpoint = await new Promise<string>((resolve, reject) => {
        server.stdout!.on("data", (chunk: Buffer) => {
          const found = /serving on (\S+)/.exec(String(chunk))
          if (found) resolve(found[1]!)
        })
        server.once("exit", () => reject(new Error("lpserver.js exited before serving")))
      })
      const out = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [`${examples}patterns/lpclient.js`, endpoint, "3"],
          { timeout: 30_000 },
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        )
      })
      assert.match(out, /I: server replied OK \(3\)/)
      assert.match(out, /3 of 3 replies matched/)
    } finally {
      server.kill()
    }
  })
})
