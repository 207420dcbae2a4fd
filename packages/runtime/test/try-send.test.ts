// trySend(): accepts a message now or returns false (queueing nothing) where send() would wait,
// and keeps the REQ/REP state machines.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { Context, Push, Reply, Request, ZmqError } from "omq"
import { classesFor } from "./helpers/remote-socket.js"
import { bindAddress, TRANSPORTS, unboundAddress } from "./helpers/spec.js"

const BOUND = { timeout: 30_000 }
const hasCode = (code: string) => (err: unknown) => err instanceof ZmqError && err.code === code

for (const transport of TRANSPORTS)
  for (const ioThreads of [0, 1]) {
    describe(`trySend over ${transport} (ioThreads ${ioThreads})`, () => {
      const lib = classesFor(transport, 1)

      it(
        "is false with no peer and at the HWM, and what it refused never arrives",
        BOUND,
        async () => {
          const ctx = new Context({ ioThreads })
          const push = new Push({ context: ctx, linger: 0, sendHighWaterMark: 5, sendTimeout: 200 })
          const pull = new lib.Pull({ context: ctx, linger: 0, receiveTimeout: 5000 })
          try {
            assert.equal(push.trySend("nobody"), false, "accepted with no peer")
            const endpoint = await unboundAddress(transport)
            push.connect(endpoint) // the pipe exists at once and takes up to the HWM
            for (let i = 0; i < 5; i++) assert.equal(push.trySend(`q${i}`), true, `q${i} refused`)
            assert.equal(push.trySend("over"), false, "accepted beyond the HWM")
            await assert.rejects(push.send("timed-out"), hasCode("EAGAIN"))
            await pull.bind(endpoint)
            for (let i = 0; i < 5; i++) assert.equal((await pull.receive())[0]?.toString(), `q${i}`)
            push.sendTimeout = 5000
            await push.send("after") // resolves once credit is back
            let tries = 0
            while (!push.trySend("tried")) {
              assert.ok(++tries < 1000, "trySend stayed false with credit back")
              await push.send("filler")
            }
            const rest: string[] = []
            for (let i = 0; i < tries + 2; i++) rest.push(String((await pull.receive())[0]))
            assert.deepEqual(rest, ["after", ...Array(tries).fill("filler"), "tried"])
            pull.receiveTimeout = 150
            await assert.rejects(pull.receive(), hasCode("EAGAIN"))
          } finally {
            push.close()
            pull.close()
            await ctx.closeSocketsAndTerminate()
          }
        },
      )

      it("keeps REQ/REP in turn: EFSM out of turn, round trips in turn", BOUND, async () => {
        const ctx = new Context({ ioThreads })
        const rep = new lib.Reply({ context: ctx, linger: 0, receiveTimeout: 5000 })
        const req = new Request({ context: ctx, linger: 0, receiveTimeout: 5000 })
        try {
          await rep.bind(bindAddress(transport))
          req.connect(rep.lastEndpoint!)
          for (let i = 0; i < 3; i++) {
            // The first may find no connection yet: then send() waits for one.
            if (!req.trySend(`ask${i}`)) await req.send(`ask${i}`)
            assert.throws(() => req.trySend("again"), hasCode("EFSM"))
            const [ask] = await rep.receive()
            assert.equal(ask?.toString(), `ask${i}`)
            await rep.send(`answer${i}`)
            assert.equal((await req.receive())[0]?.toString(), `answer${i}`)
          }
        } finally {
          req.close()
          rep.close()
          await ctx.closeSocketsAndTerminate()
        }
      })
    })
  }

describe("trySend on one socket", () => {
  it("throws EBADF once closed, EFSM for a REP owing no reply, EINVAL for no frames", async () => {
    const ctx = new Context({ ioThreads: 0 })
    const rep = new Reply({ context: ctx })
    const push = new Push({ context: ctx })
    assert.throws(() => rep.trySend("unasked"), hasCode("EFSM"))
    assert.throws(() => push.trySend([]), hasCode("EINVAL"))
    push.close()
    rep.close()
    assert.throws(() => push.trySend("late"), hasCode("EBADF"))
    await ctx.closeSocketsAndTerminate()
  })

  it("lets a REP answer without a promise", async () => {
    const ctx = new Context({ ioThreads: 0 })
    const rep = new Reply({ context: ctx, linger: 0 })
    const req = new Request({ context: ctx, linger: 0 })
    try {
      await rep.bind("inproc://try-send-rep")
      req.connect("inproc://try-send-rep")
      await req.send("ping")
      await rep.receive()
      assert.equal(rep.trySend("pong"), true)
      assert.throws(() => rep.trySend("twice"), hasCode("EFSM"))
      assert.equal((await req.receive())[0]?.toString(), "pong")
    } finally {
      req.close()
      rep.close()
      await ctx.closeSocketsAndTerminate()
    }
  })
})
