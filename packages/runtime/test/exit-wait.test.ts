// At exit the process waits, up to each unclosed socket's linger, for messages queued for a peer
// that has not taken them, and warns on stderr after 500 ms in zeromq.js's words.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { Context, Pull } from "omq"
import { type Child, type Outcome, run } from "./helpers/child.js"
import { freeEndpoint } from "./helpers/interop.js"

const BOUND = { timeout: 30_000 }
/** Fixtures here must exit within this, or they count as hung (and are killed). */
const EXIT_BOUND_MS = 10_000
const BLOCKY_WARNING =
  /^\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\. Set 'context\.blocky = false' to change this behaviour\.\n$/

function exitedAfter(outcome: Outcome): number {
  const hit = /^exit after (\d+) ms$/m.exec(outcome.stdout)
  assert.ok(hit, `no exit line; stdout: ${outcome.stdout}; stderr: ${outcome.stderr}`)
  return Number(hit[1])
}

function assertClean(outcome: Outcome): void {
  assert.equal(outcome.signal, null, `killed by ${outcome.signal}; stderr: ${outcome.stderr}`)
  assert.equal(outcome.code, 0, `exit code ${outcome.code}; stderr: ${outcome.stderr}`)
}

/** The late peer: binds `endpoint`, takes `count` messages from `child`, then awaits its exit. */
async function peerComes(
  child: Child,
  endpoint: string,
  count: number,
): Promise<{ got: string[]; outcome: Outcome }> {
  const ctx = new Context({ ioThreads: 0 })
  const pull = new Pull({ context: ctx, linger: 0, receiveTimeout: 5000 })
  try {
    await pull.bind(endpoint)
    const got: string[] = []
    for (let i = 0; i < count; i++) got.push(String((await pull.receive())[0]))
    return { got, outcome: await child.exit() }
  } finally {
    if (!child.exited) child.proc.kill()
    await ctx.closeSocketsAndTerminate()
  }
}

for (const mode of ["default", "io0"]) {
  describe(`exit with queued messages (${mode} context)`, () => {
    it("waits for a peer that comes late, warns after 500 ms, delivers", BOUND, async () => {
      const endpoint = await freeEndpoint()
      const child = run("exit-queued", ["queued", endpoint, mode], EXIT_BOUND_MS)
      await child.line(/^sent$/)
      // The warning says the process is holding on for its messages; only then the peer comes.
      await child.errorLine(/WARNING: Waiting for queued ZeroMQ messages/)
      assert.equal(child.exited, false, "the process exited with its messages undelivered")
      const { got, outcome } = await peerComes(child, endpoint, 3)
      assert.deepEqual(got, ["m0", "m1", "m2"])
      assertClean(outcome)
      assert.match(outcome.stderr, BLOCKY_WARNING)
    })

    it("lets the application's own beforeExit listener send a last message", BOUND, async () => {
      const endpoint = await freeEndpoint()
      const child = run("exit-queued", ["bye", endpoint, mode], EXIT_BOUND_MS)
      await child.line(/^bye /)
      const { got, outcome } = await peerComes(child, endpoint, 4)
      assert.deepEqual(got, ["m0", "m1", "m2", "bye"])
      assertClean(outcome)
      assert.match(outcome.stdout, /^bye queued$/m)
    })

    it("exits at once, without a warning, when nothing is queued", BOUND, async () => {
      const outcome = await run(
        "exit-queued",
        ["idle", await freeEndpoint(), mode],
        EXIT_BOUND_MS,
      ).exit()
      assertClean(outcome)
      assert.equal(outcome.stderr, "")
      // Nothing waits: well under the 500 ms after which a wait would warn (loaded machines).
      assert.ok(exitedAfter(outcome) < 2000, outcome.stdout)
    })

    it("exits at once with blocky = false (linger 0 for its sockets)", BOUND, async () => {
      const outcome = await run(
        "exit-queued",
        ["nonblocky", await freeEndpoint(), mode],
        EXIT_BOUND_MS,
      ).exit()
      assertClean(outcome)
      assert.equal(outcome.stderr, "")
      assert.ok(exitedAfter(outcome) < 2000, outcome.stdout)
    })

    it("gives up when the linger runs out, having warned", BOUND, async () => {
      const outcome = await run(
        "exit-queued",
        ["linger", await freeEndpoint(), mode],
        EXIT_BOUND_MS,
      ).exit()
      assertClean(outcome)
      assert.match(outcome.stderr, BLOCKY_WARNING)
      assert.ok(exitedAfter(outcome) >= 800, outcome.stdout)
    })
  })
}
