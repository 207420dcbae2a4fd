// Calls that never wait still let the event loop run, and an inproc pipe takes a new
// sendHighWaterMark at once (libzmq 4.2+), as zeromq.js's "should not starve event loop" needs.
import { strict as assert } from "node:assert"
import { after, describe, it } from "node:test"
import { Context, Pull, Push } from "omq"

const ctx = new Context()
after(() => ctx.closeSocketsAndTerminate())

/** Counts check phases (setImmediate turns) while `work` runs. */
async function checkPhasesDuring(work: () => Promise<void>): Promise<number> {
  let turns = 0
  let running = true
  const tick = (): void => {
    turns++
    if (running) setImmediate(tick)
  }
  setImmediate(tick)
  await new Promise(setImmediate) // start from the check phase, as the loop would
  const before = turns
  await work()
  running = false
  return turns - before
}

describe("event loop fairness", () => {
  it("2000 awaited send() and receive() calls that never wait still yield to the loop", async () => {
    const name = `inproc://fair-${process.pid}`
    const pull = new Pull({ context: ctx, linger: 0, receiveHighWaterMark: 5000 })
    const push = new Push({ context: ctx, linger: 0, sendHighWaterMark: 5000 })
    await pull.bind(name)
    push.connect(name)
    const sendTurns = await checkPhasesDuring(async () => {
      for (let i = 0; i < 2000; i++) await push.send("x")
    })
    const receiveTurns = await checkPhasesDuring(async () => {
      for (let i = 0; i < 2000; i++) await pull.receive()
    })
    // One turn per 256 calls settled at once (7 in 2000); without it, none at all.
    assert.ok(sendTurns >= 6, `sends let ${sendTurns} check phases run`)
    assert.ok(receiveTurns >= 6, `receives let ${receiveTurns} check phases run`)
    push.close()
    pull.close()
  })

  it("a sendHighWaterMark raised after connect applies to the existing inproc pipe", async () => {
    const name = `inproc://raised-${process.pid}`
    const pull = new Pull({ context: ctx, linger: 0 })
    const push = new Push({ context: ctx, linger: 0 })
    await pull.bind(name)
    push.connect(name)
    await push.send("first") // the pipe is up, with 1000 + 1000 as its limit
    assert.equal(String(await pull.receive()), "first")
    push.sendHighWaterMark = 5000
    let accepted = 0
    while (accepted < 2500 && push.trySend("x")) accepted++
    assert.equal(accepted, 2500, "5000 + 1000 now, where 2000 stopped it before")
    push.close()
    pull.close()
  })
})
