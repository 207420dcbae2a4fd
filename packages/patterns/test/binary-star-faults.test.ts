// Binary Star under fault injection, as a user runs it: examples/patterns/bstarsrv.js as a
// primary and a backup process, bstarcli.js sending requests, and the active server's process
// SIGKILLed under it. Real time and the guide's timings (1 s heartbeats, the peer dead after
// 2 s, the client's 1 s timeout and 2 s settle): the states are read from the processes' logs.
import { strict as assert } from "node:assert"
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"

const patterns = fileURLToPath(new URL("../../../../examples/patterns/", import.meta.url))

/** A running example: its output so far, a wait for a line of it, and its exit. */
function example(name: string, ...args: string[]) {
  const child = spawn(process.execPath, [`${patterns}${name}`, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  })
  let output = ""
  let waiters: Array<{ pattern: RegExp; resolve: (m: RegExpExecArray) => void }> = []
  const check = (): void => {
    for (const w of waiters) {
      const found = w.pattern.exec(output)
      if (found) w.resolve(found)
    }
    waiters = waiters.filter((w) => !w.pattern.exec(output))
  }
  child.stdout!.on("data", (chunk: Buffer) => {
    output += String(chunk)
    check()
  })
  child.stderr!.on("data", (chunk: Buffer) => (output += String(chunk)))
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
  return {
    child,
    exited,
    get output() {
      return output
    },
    /** The first match of `pattern` in the output, now or when it is printed. */
    until(pattern: RegExp): Promise<RegExpExecArray> {
      const found = pattern.exec(output)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve })
        void exited.then(() =>
          reject(new Error(`${name} exited before printing ${pattern}:\n${output}`)),
        )
      })
    },
  }
}

async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer())
  const ports = await Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve) =>
          s.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port)),
        ),
    ),
  )
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  return ports
}

/** A primary and a backup bstarsrv.js on this machine's free ports, settled. */
async function startPair(children: ChildProcess[]) {
  const [ps, bs] = await freePorts(2)
  const server = (role: string, state: number, peer: number) => {
    const run = example(
      "bstarsrv.js",
      role,
      "--frontend",
      "tcp://127.0.0.1:0",
      "--state",
      `tcp://127.0.0.1:${state}`,
      "--peer",
      `tcp://127.0.0.1:${peer}`,
    )
    children.push(run.child)
    return run
  }
  const primary = server("primary", ps!, bs!)
  const backup = server("backup", bs!, ps!)
  const [[, primaryFrontend], [, backupFrontend]] = await Promise.all([
    primary.until(/serving on (\S+),/),
    backup.until(/serving on (\S+),/),
  ])
  await Promise.all([
    primary.until(/PRIMARY -> ACTIVE \(PEER_BACKUP\)/),
    backup.until(/BACKUP -> PASSIVE \(PEER_ACTIVE\)/),
  ])
  return { primary, backup, primaryFrontend: primaryFrontend!, backupFrontend: backupFrontend! }
}

describe("Binary Star examples under fault injection", () => {
  it("bstarcli.js against a bstarsrv.js pair, the active primary SIGKILLed mid-run: every request answered; restarted, the primary comes back PASSIVE", async () => {
    const children: ChildProcess[] = []
    try {
      const { primary, backup, primaryFrontend, backupFrontend } = await startPair(children)
      const client = example(
        "bstarcli.js",
        primaryFrontend,
        backupFrontend,
        "30",
        "--interval",
        "50",
      )
      children.push(client.child)
      await client.until(/server replied OK \(5\)/)
      primary.child.kill("SIGKILL")
      assert.equal(await client.exited, 0, client.output)
      assert.match(client.output, /30 of 30 replies matched/)
      assert.match(client.output, /failing over to/)
      for (let i = 1; i <= 30; i++) assert.match(client.output, new RegExp(`OK \\(${i}\\)\\n`))
      assert.match(backup.output, /peer-expired/)
      assert.match(backup.output, /PASSIVE -> ACTIVE \(CLIENT_REQUEST\)/)

      // Recovery is manual: the primary restarted where it was finds the backup active.
      const args = primary.child.spawnargs
      const again = example("bstarsrv.js", ...args.slice(args.indexOf("primary")))
      children.push(again.child)
      const [, restartedFrontend] = await again.until(/serving on (\S+),/)
      await again.until(/PRIMARY -> PASSIVE \(PEER_ACTIVE\)/)
      const second = example(
        "bstarcli.js",
        backupFrontend,
        restartedFrontend!,
        "3",
        "--interval",
        "0",
      )
      children.push(second.child)
      assert.equal(await second.exited, 0, second.output)
      assert.match(second.output, /3 of 3 replies matched/)
      assert.doesNotMatch(second.output, /failing over/, "the backup answered every one")
      assert.doesNotMatch(backup.output + again.output, /^E:/m)
    } finally {
      for (const child of children) child.kill("SIGKILL")
    }
  })
})
