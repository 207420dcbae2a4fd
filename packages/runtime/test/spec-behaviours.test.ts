// Behaviours from libzmq's test_spec_* suites that need a real connection.
import assert from "node:assert/strict"
import { afterEach, it } from "node:test"
import { type Context, Pull, Push, Reply } from "omq"
import * as zmq from "zeromq"
import { boundEndpoint, forEachIoThreads, Sockets } from "./helpers/interop.js"

forEachIoThreads("spec behaviours", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  it("REP keeps a whole envelope (several routing frames) and restores it (test_spec_rep)", async () => {
    const rep = sockets.add(new Reply(opts))
    await rep.bind("tcp://127.0.0.1:*")
    const dealer = sockets.add(new zmq.Dealer({ linger: 0 }))
    dealer.connect(boundEndpoint(rep))
    await dealer.send(["hop-1", "hop-2", "", "request"])
    assert.deepEqual((await rep.receive()).map(String), ["request"])
    await rep.send("reply")
    assert.deepEqual((await dealer.receive()).map(String), ["hop-1", "hop-2", "", "reply"])
  })

  it("REP drops a request without a delimiter and serves the next one", async () => {
    const rep = sockets.add(new Reply(opts))
    await rep.bind("tcp://127.0.0.1:*")
    const dealer = sockets.add(new zmq.Dealer({ linger: 0 }))
    dealer.connect(boundEndpoint(rep))
    await dealer.send(["no", "delimiter"])
    await dealer.send(["", "good"])
    assert.deepEqual((await rep.receive()).map(String), ["good"])
  })

  it("multipart messages stay whole when a PULL peer goes away mid-stream (push_multipart_atomic_drop)", async () => {
    const push = sockets.add(new Push({ ...opts, sendHighWaterMark: 50 }))
    await push.bind("tcp://127.0.0.1:*")
    const leaving = sockets.add(new Pull({ ...opts, receiveHighWaterMark: 10 }))
    const staying = sockets.add(new Pull(opts))
    leaving.connect(boundEndpoint(push))
    staying.connect(boundEndpoint(push))
    const sending = (async () => {
      for (let i = 0; i < 2000; i++) await push.send(["a", `${i}`, "c"])
    })()
    await leaving.receive()
    leaving.close() // drops whatever it had in flight
    let whole = 0
    staying.receiveTimeout = 1000
    for (;;) {
      let frames: Buffer[]
      try {
        frames = await staying.receive()
      } catch (err) {
        assert.equal((err as { code: string }).code, "EAGAIN")
        break
      }
      assert.deepEqual(
        frames.map((f, i) => (i === 1 ? "n" : String(f))),
        ["a", "n", "c"],
        "never part of a message",
      )
      whole++
    }
    await sending
    assert.ok(whole > 0)
  })
})
