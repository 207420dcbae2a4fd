// examples/patterns/clonesrv.js and clonecli.js run as a user would run them, against each
// other, with the server killed under the client: restarted on its ports, or with a second
// server to fail over to.
import assert from "node:assert/strict"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { afterEach, describe, it } from "node:test"
import { fileURLToPath } from "node:url"

const examples = fileURLToPath(new URL("../../../../examples/patterns/", import.meta.url))

/** A running example: its output lines, and a wait for the first matching one. */
class Example {
  readonly child: ChildProcess
  readonly lines: string[] = []
  readonly exited: Promise<number | null>
  #waiters: Array<{ pattern: RegExp; resolve: (found: RegExpExecArray) => void }> = []

  constructor(name: string, args: string[]) {
    this.child = spawn(process.execPath, [`${examples}${name}`, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    })
    this.exited = new Promise((resolve) => this.child.once("exit", resolve))
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      this.lines.push(line)
      for (const w of this.#waiters.splice(0)) {
        const found = w.pattern.exec(line)
        if (found) w.resolve(found)
        else this.#waiters.push(w)
      }
    })
  }

  /** The first line from now on that matches `pattern`. */
  next(pattern: RegExp): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ pattern, resolve })
      void this.exited.then(() => reject(new Error(`exited before printing ${pattern}`)))
    })
  }

  /** Kills it (SIGKILL: a crash, nothing closed cleanly) and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGKILL")
      await this.exited
    }
  }
}

const SERVED = /clone server on tcp:\/\/[^ ]+:(\d+) /
/** A server on three free ports (or on `port`): resolves with it and its snapshot port. */
async function server(port = "0"): Promise<[Example, string]> {
  const example = keep(new Example("clonesrv.js", [port, "--host", "127.0.0.1", "--hugz", "200"]))
  const [, bound] = await example.next(SERVED)
  return [example, bound!]
}

const running: Example[] = []
function keep(example: Example): Example {
  running.push(example)
  return example
}

describe("examples/patterns clonesrv.js and clonecli.js", { timeout: 25_000 }, () => {
  afterEach(async () => {
    for (const example of running.splice(0)) await example.kill()
  })

  it("clonecli.js against clonesrv.js: every update comes back, exit 0", async () => {
    const [, port] = await server()
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [`${examples}clonecli.js`, "127.0.0.1", port, "--count", "5"],
        { timeout: 20_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      )
    })
    assert.match(out, /snapshot from tcp:\/\/127\.0\.0\.1:\d+: 0 keys/)
    assert.equal(out.match(/came back from/g)?.length, 5)
    assert.match(out, /5 of 5 updates came back/)
  })

  it("the server killed and restarted on its ports: the client asks it again, resends, exit 0", async () => {
    const [first, port] = await server()
    const client = keep(
      new Example("clonecli.js", [
        "127.0.0.1",
        port,
        ...["--count", "20", "--interval", "40", "--timeout", "1000"],
      ]),
    )
    await client.next(/\/clonecli\/5-/)
    await first.kill()
    const endpoint = `tcp://127.0.0.1:${port}`
    await client.next(new RegExp(`failover from ${endpoint} to ${endpoint}`))
    await server(port)
    assert.equal(await client.exited, 0)
    assert.ok(client.lines.includes("20 of 20 updates came back"), client.lines.join("\n"))
  })

  it("two servers, the one in use killed: the client fails over to the other, exit 0", async () => {
    const [first, a] = await server()
    const [, b] = await server()
    const client = keep(
      new Example("clonecli.js", [
        ...["127.0.0.1", a, "127.0.0.1", b],
        ...["--count", "20", "--interval", "40", "--timeout", "1000"],
      ]),
    )
    await client.next(/\/clonecli\/5-/)
    await first.kill()
    assert.equal(await client.exited, 0)
    const output = client.lines.join("\n")
    assert.match(output, new RegExp(`failover from tcp://127.0.0.1:${a} to tcp://127.0.0.1:${b}`))
    assert.match(output, new RegExp(`/clonecli/20-\\S+ = \\S+ came back from tcp://127.0.0.1:${b}`))
    assert.match(output, /20 of 20 updates came back/)
  })
})
