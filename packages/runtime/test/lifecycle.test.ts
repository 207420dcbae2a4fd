// Lifecycle: processes that used omq exit on their own, worker threads that die with sockets open
// do not take the process down, and close()/terminate() honour linger.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { Context, Pull, Push, ZmqError } from "omq"
import { type Child, run as runFixture } from "./helpers/child.js"
import { freeEndpoint } from "./helpers/interop.js"

/** A fixture that must exit on its own within EXIT_BOUND_MS. */
const run = (name: string, args: string[]) => runFixture(name, args, EXIT_BOUND_MS)

const EXIT_BOUND_MS = 10_000
/** No test may hang the run: each fails after this. */
const BOUND = { timeout: 30_000 }

async function expectCleanExit(child: Child): Promise<string> {
  const r = await child.exit()
  assert.equal(r.signal, null, `killed by ${r.signal}; stderr: ${r.stderr}`)
  assert.equal(r.code, 0, `exit code ${r.code}; stderr: ${r.stderr}`)
  return r.stdout
}

/**
 * Receives m0..m99 from `pull` (in this order), then expects `child` to exit cleanly after
 * printing "sent". Whatever happens, the child is killed and `ctx` closed: a receive that never
 * ends must not outlive the test (it would hold this process).
 */
async function hundredThenExit(pull: Pull, child: Child, ctx: Context): Promise<void> {
  try {
    const got: string[] = []
    for (let i = 0; i < 100; i++) got.push(String((await pull.receive())[0]))
    assert.deepEqual(
      got,
      Array.from({ length: 100 }, (_, i) => `m${i}`),
    )
    assert.match(await expectCleanExit(child), /^sent$/m)
  } finally {
    if (!child.exited) child.proc.kill()
    await ctx.closeSocketsAndTerminate()
  }
}

describe("processes exit on their own", () => {
  for (const mode of ["default", "io1", "io0"]) {
    it(`after exchanging messages and closing the sockets (${mode} context)`, BOUND, async () => {
      const out = await expectCleanExit(run("exchange", [mode]))
      assert.match(out, /^done$/m)
    })
  }

  for (const io of ["0", "1"]) {
    it(
      `after context.closeSocketsAndTerminate() with open sockets (ioThreads ${io})`,
      BOUND,
      async () => {
        const out = await expectCleanExit(run("terminate", [io, await freeEndpoint()]))
        assert.match(out, /^terminated pending=EAGAIN closed=true$/m)
      },
    )
  }
})

describe("a process that leaves sockets and its context open still exits", () => {
  for (const mode of ["default", "io0", "io1"]) {
    it(
      `messages to a live peer arrive, those for an absent one go after their linger (${mode})`,
      BOUND,
      async () => {
        const ctx = new Context({ ioThreads: 0 })
        const pull = new Pull({ context: ctx, linger: 0, receiveTimeout: 10_000 })
        await pull.bind("tcp://127.0.0.1:*")
        const child = run("forgotten", [mode, pull.lastEndpoint!, await freeEndpoint()])
        await hundredThenExit(pull, child, ctx)
      },
    )
  }
})

describe("a bound socket that one peer leaves still delivers to the others before it exits", () => {
  for (const mode of ["io0", "io1"]) {
    it(`100 messages reach the peer left (${mode})`, BOUND, async () => {
      const child = run("bound-push", [mode])
      const endpoint = (await child.line(/^endpoint /)).split(" ")[1]!
      const ctx = new Context({ ioThreads: 0 })
      const leaving = new Pull({ context: ctx, linger: 0 })
      const staying = new Pull({ context: ctx, linger: 0, receiveTimeout: 10_000 })
      leaving.connect(endpoint)
      staying.connect(endpoint)
      await child.line(/^both connected$/) // idle sockets hold nothing if it never comes
      leaving.close()
      await hundredThenExit(staying, child, ctx)
    })
  }
})

describe("sockets closed right after they were created", () => {
  for (const io of ["0", "1"]) {
    it(`the process finishes and exits 0 (ioThreads ${io})`, BOUND, async () => {
      const out = await expectCleanExit(run("close-at-once", [io]))
      assert.match(out, /^ok race=(bound|ETERM|EAGAIN|EBADF) alive=true$/m)
    })
  }
})

describe("a user worker thread dies with a bound PULL and a pending receive()", () => {
  for (const how of ["exit", "terminate"]) {
    for (const io of ["default", "0", "1"]) {
      it(
        `process survives and exits 0 (worker ${how}, worker ioThreads ${io})`,
        BOUND,
        async () => {
          const out = await expectCleanExit(run("worker-exit", [how, io]))
          assert.match(out, /^worker exited /m)
          assert.match(out, /^listener released=true$/m)
          assert.match(out, /^main ok=true$/m)
          assert.doesNotMatch(out, /worker error/)
        },
      )
    }
  }
})

describe("linger: a closing PUSH delivers everything before its process exits", () => {
  for (const mode of ["default", "io0"]) {
    it(
      `peer already there: 100 messages arrive (${mode} context in the sender)`,
      BOUND,
      async () => {
        const ctx = new Context({ ioThreads: 1 })
        const pull = new Pull({ context: ctx, linger: 0, receiveTimeout: 5000 })
        try {
          await pull.bind("tcp://127.0.0.1:*")
          const child = run("linger-sender", [pull.lastEndpoint!, "100", "65536", mode])
          for (let i = 0; i < 100; i++) {
            const [n, body] = await pull.receive()
            assert.equal(n?.toString(), String(i))
            assert.equal(body?.length, 65536)
            assert.equal(body?.[0], i & 0xff)
          }
          const out = await expectCleanExit(child)
          assert.match(out, /^sent$/m)
        } finally {
          pull.close()
          await ctx.closeSocketsAndTerminate()
        }
      },
    )

    it(
      `peer appears after close(): 100 messages arrive (${mode} context in the sender)`,
      BOUND,
      async () => {
        const endpoint = await freeEndpoint()
        const child = run("linger-sender", [endpoint, "100", "1000", mode])
        await child.line(/^sent$/)
        // The sender closed its socket with messages still queued for a peer that is not there.
        const ctx = new Context({ ioThreads: 0 })
        const pull = new Pull({ context: ctx, linger: 0, receiveTimeout: 5000 })
        try {
          await pull.bind(endpoint)
          assert.equal(child.exited, false, "the sender exited before its messages were delivered")
          for (let i = 0; i < 100; i++) {
            const [n] = await pull.receive()
            assert.equal(n?.toString(), String(i))
          }
          await expectCleanExit(child)
        } finally {
          pull.close()
          await ctx.closeSocketsAndTerminate()
        }
      },
    )
  }
})

describe("in-process close and terminate", () => {
  for (const ioThreads of [0, 1]) {
    it(
      `finished resolves only after close, terminate() resolves (ioThreads ${ioThreads})`,
      BOUND,
      async () => {
        const ctx = new Context({ ioThreads })
        const pull = new Pull({ context: ctx })
        const push = new Push({ context: ctx })
        await pull.bind("tcp://127.0.0.1:*")
        push.connect(pull.lastEndpoint!)
        let pullFinished = false
        void pull.finished.then(() => {
          pullFinished = true
        })
        await push.send("x")
        assert.equal((await pull.receive())[0]?.toString(), "x")
        assert.equal(pullFinished, false, "finished resolved while the socket was open")
        assert.equal(pull.closed, false)
        pull.close()
        assert.equal(pull.closed, true)
        await pull.finished
        // terminate() closes the remaining socket and stops the IO threads.
        await ctx.closeSocketsAndTerminate()
        assert.equal(push.closed, true)
        await push.finished
        assert.throws(
          () => new Pull({ context: ctx }),
          (e: unknown) => {
            return e instanceof ZmqError && e.code === "ETERM"
          },
        )
      },
    )

    it(
      `close() with linger 200 gives up on an unreachable peer (ioThreads ${ioThreads})`,
      BOUND,
      async () => {
        const ctx = new Context({ ioThreads })
        const push = new Push({ context: ctx, linger: 200 })
        push.connect(await freeEndpoint())
        await push.send("stuck") // queued on the connect pipe
        const t0 = performance.now()
        push.close()
        await push.finished
        const took = performance.now() - t0
        assert.ok(took >= 150, `finished after ${took.toFixed(0)} ms, before linger ran out`)
        assert.ok(took < 3000, `finished after ${took.toFixed(0)} ms`)
        await ctx.closeSocketsAndTerminate()
      },
    )

    it(
      `close() with linger 0 drops queued messages at once (ioThreads ${ioThreads})`,
      BOUND,
      async () => {
        const ctx = new Context({ ioThreads })
        const push = new Push({ context: ctx, linger: 0 })
        push.connect(await freeEndpoint())
        for (let i = 0; i < 10; i++) await push.send(`stuck-${i}`)
        // Their peer never comes: with any linger but 0 this would wait (BOUND ends the test).
        push.close()
        await push.finished
        await ctx.closeSocketsAndTerminate()
      },
    )

    it(
      `terminate() twice and with no sockets resolves (ioThreads ${ioThreads})`,
      BOUND,
      async () => {
        const ctx = new Context({ ioThreads })
        await ctx.closeSocketsAndTerminate()
        await ctx.closeSocketsAndTerminate()
        const ctx2 = new Context({ ioThreads })
        const s = new Pull({ context: ctx2 })
        s.close()
        await ctx2.closeSocketsAndTerminate()
        await s.finished
      },
    )
  }
})
