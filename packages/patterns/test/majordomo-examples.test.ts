// examples/patterns/md*.js run as a user would run them, with both protocol versions at once:
// one mdbroker.js, an MDP/0.1 and an MDP/0.2 mdworker.js, and mdclient.js of each version
// asking each worker. (The plain 0.1 run is in examples.test.ts.)
import assert from "node:assert/strict"
import { type ChildProcess, execFile } from "node:child_process"
import { once } from "node:events"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"

const patterns = fileURLToPath(new URL("../../../../examples/patterns/", import.meta.url))

describe("examples/patterns: Majordomo, MDP/0.1 and MDP/0.2 mixed", () => {
  it("mdclient.js of each version through one mdbroker.js to an mdworker.js of each version; SIGTERM drains", async () => {
    const broker = start("mdbroker.js", "tcp://127.0.0.1:0")
    const workers: ChildProcess[] = []
    try {
      const [endpoint] = await broker.next(/broker on (\S+)/)
      workers.push(start("mdworker.js", endpoint!, "old").child)
      const newer = start("mdworker.js", endpoint!, "new", "--mdp", "0.2")
      workers.push(newer.child)
      // The broker says when both are in, so mmi.service answers 200 rather than racing them.
      await broker.next(/I: worker-ready/, 2)
      const runs = [
        ["0.2", "new", 3],
        ["0.2", "old", 0],
        ["0.1", "new", 0], // a 0.1 client gets the final reply only
        ["0.1", "old", 0],
      ] as const
      const outputs = await Promise.all(
        runs.map(([mdp, service]) => run("mdclient.js", endpoint!, service, "3", "--mdp", mdp)),
      )
      for (const [i, [mdp, service, partials]] of runs.entries()) {
        assert.match(outputs[i]!, new RegExp(`MDP/${mdp} mmi\\.service ${service}: 200`))
        assert.match(outputs[i]!, new RegExp(`3 of 3 replies matched, after ${partials} partial`))
      }
      assert.match(outputs[0]!, /partial reply: working on hello 3/)
      // SIGTERM drains the worker: it says DISCONNECT and exits 0 on its own.
      const exited = once(newer.child, "exit")
      newer.child.kill("SIGTERM")
      // Deno's child_process reports a child it signalled as killed by the signal even when the
      // child caught it and exited 0 (docs/runtimes.md); the drained line shows the exit was ours.
      const signalled = "Deno" in globalThis ? [null, "SIGTERM"] : [0, null]
      assert.deepEqual(await exited, signalled)
      assert.match(newer.output(), /I: drained/)
      await broker.next(/reason: ['"]it said DISCONNECT['"]/) // Node quotes with ', Bun and Deno with "
    } finally {
      broker.child.kill()
      for (const worker of workers) worker.kill()
    }
  })
})

/** An example started in the background, its output kept for next(). */
function start(name: string, ...args: string[]) {
  const child = execFile(process.execPath, [`${patterns}${name}`, ...args])
  let text = ""
  let changed: () => void = () => {}
  child.stdout!.on("data", (chunk: Buffer) => {
    text += String(chunk)
    changed()
  })
  child.once("exit", () => changed())
  return {
    child,
    output: () => text,
    /** The groups of the `count`-th match of `pattern` in the output, once it is there. */
    async next(pattern: RegExp, count = 1): Promise<string[]> {
      const all = new RegExp(pattern.source, "g")
      for (;;) {
        const found = [...text.matchAll(all)]
        if (found.length >= count) return found[count - 1]!.slice(1)
        if (child.exitCode !== null) throw new Error(`${name} exited before printing ${pattern}`)
        await new Promise<void>((resolve) => {
          changed = resolve
        })
      }
    },
  }
}

/** Runs an example to its end; resolves with its output. */
function run(name: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [`${patterns}${name}`, ...args],
      { timeout: 30_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    )
  })
}
