import assert from "node:assert/strict"
import { afterEach, it } from "node:test"
import { type Context, Pull } from "omq"
import * as zmq from "zeromq"
import { boundEndpoint, forEachIoThreads, Sockets } from "./helpers/interop.js"

forEachIoThreads("unbind", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())

  it("drops the connections accepted through the endpoint and frees it at once", async () => {
    const first = sockets.add(new Pull({ context: ctx, linger: 0 }))
    await first.bind("tcp://127.0.0.1:*")
    const endpoint = boundEndpoint(first)
    const push = sockets.add(new zmq.Push({ linger: 0, reconnectInterval: 20 }))
    push.connect(endpoint)
    await push.send("1")
    assert.equal(String((await first.receive())[0]), "1")
    await first.unbind(endpoint)
    const second = sockets.add(new Pull({ context: ctx, linger: 0 }))
    await second.bind(endpoint) // no EADDRINUSE: the listener is closed when unbind resolves
    await push.send("2") // the old connection is gone, so this can only reach the new socket
    assert.equal(String((await second.receive())[0]), "2")
  })
})
