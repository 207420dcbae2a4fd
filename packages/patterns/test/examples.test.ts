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
      const [endpoint] = await firstMatch(server, /serving on (\S+)/)
      const out = await run("patterns/lpclient.js", endpoint!, "3")
      assert.match(out, /I: server replied OK \(3\)/)
      assert.match(out, /3 of 3 replies matched/)
    } finally {
      server.kill()
    }
  })

  it("patterns/lpclient.js through ppqueue.js to ppworker.js: every reply matched", async () => {
    const queue = execFile(process.execPath, [
      `${examples}patterns/ppqueue.js`,
      "tcp://127.0.0.1:0",
      "tcp://127.0.0.1:0",
    ])
    let worker: ReturnType<typeof execFile> | null = null
    try {
      const [frontend, backend] = await firstMatch(
        queue,
        /queue on (\S+) \(clients\), (\S+) \(workers\)/,
      )
      worker = execFile(process.execPath, [`${examples}patterns/ppworker.js`, backend!])
      const out = await run("patterns/lpclient.js", frontend!, "5")
      assert.match(out, /5 of 5 replies matched/)
    } finally {
      queue.kill()
      worker?.kill()
    }
  })

  it("patterns/mdclient.js through mdbroker.js to mdworker.js: mmi.service 200, every reply matched", async () => {
    const broker = execFile(process.execPath, [
      `${examples}patterns/mdbroker.js`,
      "tcp://127.0.0.1:0",
    ])
    let worker: ReturnType<typeof execFile> | null = null
    try {
      const [endpoint] = await firstMatch(broker, /broker on (\S+)/)
      worker = execFile(process.execPath, [`${examples}patterns/mdworker.js`, endpoint!, "echo"])
      // The broker says when the worker is in, so mmi.service answers 200 rather than racing it.
      await firstMatch(broker, /worker-ready/)
      const out = await run("patterns/mdclient.js", endpoint!, "echo", "5")
      assert.match(out, /mmi\.service echo: 200/)
      assert.match(out, /5 of 5 replies matched/)
    } finally {
      broker.kill()
      worker?.kill()
    }
  })

  it("patterns/mdclient.js through mdbroker.js to mdpoolworker.js (a CPU-bound handler on 2 pool threads): every reply matched", async () => {
    const broker = execFile(process.execPath, [
      `${examples}patterns/mdbroker.js`,
      "tcp://127.0.0.1:0",
    ])
    let worker: ReturnType<typeof execFile> | null = null
    try {
      const [endpoint] = await firstMatch(broker, /broker on (\S+)/)
      const ready = firstMatch(broker, /worker-ready/)
      worker = execFile(process.execPath, [
        `${examples}patterns/mdpoolworker.js`,
        endpoint!,
        "hash",
        "2",
      ])
      await ready
      const out = await run("patterns/mdclient.js", endpoint!, "hash", "6")
      assert.match(out, /mmi\.service hash: 200/)
      assert.match(out, /6 of 6 replies matched/)
      // SIGTERM closes the pool (its workers say DISCONNECT) and the process ends by itself.
      const closed = firstMatch(worker, /I: (pool closed)/)
      const exited = new Promise((resolve) => worker!.once("exit", resolve))
      worker.kill("SIGTERM")
      assert.deepEqual(await closed, ["pool closed"])
      await exited
    } finally {
      broker.kill()
      worker?.kill()
    }
  })

  it("patterns/flclient.js against two flserver.js, the first stopped: every reply matched", async () => {
    const start = () =>
      execFile(process.execPath, [`${examples}patterns/flserver.js`, "tcp://127.0.0.1:0"])
    const first = start()
    const second = start()
    try {
      // Both listened for before either is awaited: a line printed meanwhile would be missed.
      const listening = /freelance server on (\S+)/
      const [[stopped], [live]] = await Promise.all([
        firstMatch(first, listening),
        firstMatch(second, listening),
      ])
      await new Promise((resolve) => {
        first.once("exit", resolve)
        first.kill()
      })
      const out = await run("patterns/flclient.js", stopped!, live!)
      assert.match(out, /server-alive/)
      assert.match(out, /10 of 10 replies matched/)
    } finally {
      first.kill()
      second.kill()
    }
  })
})

/** The groups of the first line of `child`'s output that matches `pattern`. */
function firstMatch(child: ReturnType<typeof execFile>, pattern: RegExp): Promise<string[]> {
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      const found = pattern.exec(String(chunk))
      if (found) resolve(found.slice(1))
    })
    child.once("exit", () => reject(new Error("the example exited before printing it")))
  })
}

/** Runs an example to its end; resolves with its output. */
function run(name: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [`${examples}${name}`, ...args],
      { timeout: 30_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    )
  })
}
