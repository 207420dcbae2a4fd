// context.shutdown() and terminate() as libzmq's zmq_ctx_shutdown / zmq_ctx_term: blocked calls
// fail with ETERM at once, on every thread of the context; later calls fail with ETERM except
// close(); terminate() resolves only once the application has closed its sockets.
import { strict as assert } from "node:assert"
import { once } from "node:events"
import { describe, it } from "node:test"
import { Worker } from "node:worker_threads"
import { Context, Pull, Push, type ZmqError } from "omq"

const WORKER = new URL("./fixtures/shutdown-worker.js", import.meta.url)

const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "resolved",
    (err: ZmqError) => err.code,
  )

for (const ioThreads of [0, 1]) {
  describe(`context shutdown and terminate (ioThreads: ${ioThreads})`, { timeout: 20_000 }, () => {
    it("shutdown(): waiting calls reject with ETERM at once, later ones too, close() works", async () => {
      const ctx = new Context({ ioThreads })
      const pull = new Pull({ context: ctx, linger: 0 })
      const push = new Push({ context: ctx, linger: 0 })
      await pull.bind("tcp://127.0.0.1:*")
      const receiving = outcome(pull.receive())
      const sending = outcome(push.send("nobody")) // no peer: it waits
      ctx.shutdown()
      assert.deepEqual(await Promise.all([receiving, sending]), ["ETERM", "ETERM"])
      assert.equal(await outcome(pull.receive()), "ETERM")
      assert.equal(await outcome(pull.bind("tcp://127.0.0.1:*")), "ETERM")
      assert.throws(() => push.connect(pull.lastEndpoint!), { code: "ETERM" })
      assert.throws(() => new Push({ context: ctx }), { code: "ETERM" })
      assert.equal(pull.readable, false)
      pull.close()
      push.close()
      await ctx.terminate()
    })

    it("terminate() waits until the application has closed every socket", async () => {
      const ctx = new Context({ ioThreads })
      const pull = new Pull({ context: ctx, linger: 0 })
      await pull.bind("tcp://127.0.0.1:*")
      const receiving = outcome(pull.receive())
      let terminated = false
      const terminating = ctx.terminate().then(() => {
        terminated = true
      })
      assert.equal(await receiving, "ETERM", "terminate() shuts down first")
      // The socket is still open: terminate() has not resolved, whatever else runs meanwhile.
      await new Promise((resolve) => setImmediate(resolve))
      assert.equal(terminated, false)
      pull.close()
      await terminating
      assert.equal(terminated, true)
    })

    it("shutdown() reaches the sockets of every thread of the context", async () => {
      const ctx = new Context({ ioThreads })
      const endpoint = `inproc://shutdown-${ioThreads}`
      const worker = new Worker(WORKER, { workerData: { handle: ctx.handle, endpoint } })
      const [ready] = await once(worker, "message")
      assert.equal(ready, "ready")
      const reported = once(worker, "message")
      ctx.shutdown()
      const [result] = await reported
      assert.deepEqual(result, { received: "ETERM", sent: "ETERM", created: "ETERM" })
      await once(worker, "exit")
      await ctx.terminate()
    })

    it("closeSocketsAndTerminate() closes what is still open", async () => {
      const ctx = new Context({ ioThreads })
      const pull = new Pull({ context: ctx, linger: 0 })
      await pull.bind("tcp://127.0.0.1:*")
      const receiving = outcome(pull.receive())
      await ctx.closeSocketsAndTerminate()
      assert.equal(pull.closed, true)
      assert.match(await receiving, /^(EAGAIN|ETERM)$/)
    })
  })
}
