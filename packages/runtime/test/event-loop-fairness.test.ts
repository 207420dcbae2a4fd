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
  it("awaited send() and receive() calls that never wait still yield to the loop, every 2 ms of their own", async () => {
    const name = `inproc://fair-${process.pid}`
    const pull = new Pull({ context: ctx, linger: 0, receiveHighWaterMark: 1_000_000 })
    const push = new Push({ context: ctx, linger: 0, sendHighWaterMark: 1_000_000 })
    await pull.bind(name)
    push.connect(name)
    // 100 ms of calls that settle at once (checked every 50 calls); then as many receives.
    let sent = 0
    const sendTurns = await checkPhasesDuring(async () => {
      const start = performance.now()
      while (sent % 50 !== 0 || performance.now() - start < 100) {
        await push.send("x")
        sent++
      }
    })
    const receiveTurns = await checkPhasesDuring(async () => {
      for (let i = 0; i < sent; i++) await pull.receive()
    })
    // A turn per 2 ms slice of the thread's own time: up to 50 in 100 ms, fewer when the
    // machine takes the CPU away for long stretches (a CI run saw 4 in 20 ms); without the
    // budget, none at all.
    assert.ok(sendTurns >= 3, `${sent} sends in 100 ms let ${sendTurns} check phases run`)
    assert.ok(receiveTurns >= 2, `${sent} receives let ${receiveTurns} check phases run`)
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
