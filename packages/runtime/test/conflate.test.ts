import assert from "node:assert/strict"
import { it } from "node:test"
import { Pull, Push } from "omq"
import { forEachIoThreads } from "./helpers/interop.js"

forEachIoThreads("conflate", (context) => {
  it("keeps only the newest waiting message", async () => {
    const pull = new Pull({ context, linger: 0, conflate: true })
    await pull.bind("tcp://127.0.0.1:*")
    const push = new Push({ context, linger: 0 })
    push.connect(pull.lastEndpoint!)
    const total = 10_000
    for (let i = 0; i < total; i++) await push.send(`${i}`)
    await push.send("end")
    let received = 0
    let previous = -1
    for (;;) {
      const [frame] = await pull.receive()
      if (String(frame) === "end") break
      const n = Number(String(frame))
      assert.ok(n > previous, "newer messages only, in order")
      previous = n
      received++
    }
    // Messages arrive in batches per tcp read; each batch leaves only its newest behind.
    assert.ok(received < total, `dropped older messages (kept ${received} of ${total})`)
    pull.receiveTimeout = 100
    await assert.rejects(pull.receive(), { code: "EAGAIN" }) // nothing older is left
    push.close()
    pull.close()
  })
})
