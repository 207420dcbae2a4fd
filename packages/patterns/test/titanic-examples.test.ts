// examples/patterns/titanic.js and ticlient.js run as a user would run them, against the
// Majordomo examples (mdbroker.js, mdworker.js), each its own process.
import assert from "node:assert/strict"
import { type ChildProcess, execFile } from "node:child_process"
import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"

const examples = fileURLToPath(new URL("../../../../examples/patterns/", import.meta.url))

describe("examples/patterns: Titanic", { timeout: 30_000 }, () => {
  it("ticlient.js through titanic.js and mdbroker.js, to an mdworker.js that starts late: every reply matched", async () => {
    const directory = await mkdtemp(join(tmpdir(), "omq-titanic-example-"))
    const store = join(directory, "store")
    const children: ChildProcess[] = []
    const spawn = (name: string, ...args: string[]) => {
      const child = execFile(process.execPath, [`${examples}${name}`, ...args])
      children.push(child)
      return output(child)
    }
    try {
      const broker = spawn("mdbroker.js", "tcp://127.0.0.1:0")
      const [endpoint] = await broker.match(/broker on (\S+)/)
      const titanic = spawn("titanic.js", endpoint!, store)
      await titanic.match(/titanic at \S+, store \S+, 0 pending/)
      const client = run("ticlient.js", endpoint!, "echo", "5")
      // Stored while no worker offers echo: Titanic holds it until one does.
      await titanic.match(/I: deferred/)
      spawn("mdworker.js", endpoint!, "echo")
      const out = await client
      const uuids = [...out.matchAll(/I: request \d stored as ([0-9a-f]{32})/g)].map((m) => m[1]!)
      assert.equal(uuids.length, 5)
      assert.match(out, /5 of 5 replies matched/)
      await titanic.match(/I: retry/) // the worker's requests went out on a retry walk
      for (const uuid of uuids) {
        // Node logs the object on one line with ' quotes; Bun on several lines with ".
        const q = `['"]`
        await titanic.match(
          new RegExp(`I: closed \\{\\s+type: ${q}closed${q},\\s+uuid: ${q}${uuid}${q}`),
        )
        const left = await readdir(store) // the close was synced before titanic said so
        assert.deepEqual(
          left.filter((f) => f.startsWith(uuid)),
          [],
          `${uuid} was closed`,
        )
      }
    } finally {
      for (const child of children) await stop(child)
      await rm(directory, { recursive: true, force: true })
    }
  })
})

/** A child's stdout so far, and the groups of the first match of a pattern in it (waiting for it). */
function output(child: ChildProcess) {
  let text = ""
  const waiters: Array<() => void> = []
  const wake = (): void => {
    for (const resolve of waiters.splice(0)) resolve()
  }
  child.stdout!.on("data", (chunk: Buffer) => {
    text += String(chunk)
    wake()
  })
  child.once("exit", wake)
  const match = async (pattern: RegExp): Promise<string[]> => {
    for (;;) {
      const found = pattern.exec(text)
      if (found) return found.slice(1)
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the example exited before printing ${pattern}:\n${text}`)
      }
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  return { match, text: () => text }
}

/** Runs an example to its end; resolves with its output (rejects on a non-zero exit). */
function run(name: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [`${examples}${name}`, ...args],
      { timeout: 30_000 },
      (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout}`)) : resolve(stdout)),
    )
  })
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((resolve) => child.once("exit", resolve))
  child.kill()
  await gone
}
