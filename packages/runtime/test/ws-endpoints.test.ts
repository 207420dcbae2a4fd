// ws:// endpoints as omq binds them: the path in lastEndpoint, a path on the application's own
// http.Server, bare ZWS2.0 peers, and what cannot be bound (each with its ZeroMQ code).
import { strict as assert } from "node:assert"
import { once } from "node:events"
import { createServer, type Server } from "node:http"
import { createConnection } from "node:net"
import { afterEach, beforeEach, it } from "node:test"
import { type Context, Pull, Push, Router, Stream, ZmqError } from "omq"
import { WebSocket } from "ws"
import * as zmq from "zeromq"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"

const code = (c: string) => (err: unknown) => err instanceof ZmqError && err.code === c

forEachIoThreads("ws endpoints", (ctx: Context, ioThreads: number) => {
  const sockets = new Sockets()
  let http: Server
  beforeEach(async () => {
    http = createServer((req, res) => res.end(`page ${req.url}`))
    http.listen(0, "127.0.0.1")
    await once(http, "listening")
  })
  afterEach(async () => {
    await sockets.closeAll()
    http.close()
  })
  const options = { context: ctx, linger: 0 }

  it("lastEndpoint names the port picked and the path; a bind without a path serves '/'", async () => {
    const pull = sockets.add(new Pull(options))
    await pull.bind("ws://127.0.0.1:*/a/b")
    assert.match(pull.lastEndpoint!, /^ws:\/\/127\.0\.0\.1:\d+\/a\/b$/)
    const bare = sockets.add(new Pull(options))
    await bare.bind("ws://127.0.0.1:*")
    assert.match(bare.lastEndpoint!, /^ws:\/\/127\.0\.0\.1:\d+\/$/)
    const push = sockets.add(new Push(options))
    push.connect(pull.lastEndpoint!)
    await push.send("over ws")
    assert.equal(String(await pull.receive()), "over ws")
  })

  it("a path on the application's http.Server: omq and libzmq peers served, other paths and requests left to the application", async () => {
    const pull = sockets.add(new Pull(options))
    await pull.bind("ws://*:*/zmq", { server: http })
    const port = (http.address() as { port: number }).port
    assert.equal(pull.lastEndpoint, `ws://127.0.0.1:${port}/zmq`)
    // The application's other upgrade handler still gets its own path.
    const otherUpgrades: string[] = []
    http.on("upgrade", (req, socket) => {
      if (req.url === "/app") {
        otherUpgrades.push(req.url)
        socket.destroy()
      }
    })
    const push = sockets.add(new Push(options))
    push.connect(pull.lastEndpoint!)
    await push.send("omq via the application's server")
    assert.equal(String(await pull.receive()), "omq via the application's server")
    const zpush = sockets.add(new zmq.Push({ linger: 0 }))
    zpush.connect(pull.lastEndpoint!)
    await zpush.send("libzmq via the application's server")
    assert.equal(String(await pull.receive()), "libzmq via the application's server")
    const page = await fetch(`http://127.0.0.1:${port}/index.html`)
    assert.equal(await page.text(), "page /index.html")
    const app = new WebSocket(`ws://127.0.0.1:${port}/app`)
    await once(app, "error").catch(() => {}) // the application's handler dropped it
    assert.deepEqual(otherUpgrades, ["/app"])
    // unbind() gives the path back: the server itself stays up.
    await pull.unbind(pull.lastEndpoint!)
    assert.equal((await fetch(`http://127.0.0.1:${port}/x`)).status, 200)
  })

  it("on an application's server: a second bind of a path is EADDRINUSE, one without a path EINVAL, one that cannot listen a ZmqError that leaves nothing behind", async () => {
    const first = sockets.add(new Pull(options))
    await first.bind("ws://*:*/taken", { server: http })
    const second = sockets.add(new Pull(options))
    await assert.rejects(second.bind("ws://*:*/taken", { server: http }), code("EADDRINUSE"))
    await assert.rejects(second.bind("ws://*:*", { server: http }), code("EINVAL"))
    // A server that fails to listen (its port taken): the bind fails with the code, and no
    // upgrade listener of ours is left on it.
    const port = (http.address() as { port: number }).port
    const doomed = createServer()
    const binding = second.bind("ws://*:*/doomed", { server: doomed })
    doomed.once("error", () => {}) // the application's own handler of the same failure
    doomed.listen(port, "127.0.0.1")
    await assert.rejects(binding, code("EADDRINUSE"))
    assert.equal(doomed.listenerCount("upgrade"), 0)
  })

  it("unbind and close do not wait for a connection that never upgrades", async () => {
    const pull = sockets.add(new Pull({ ...options, handshakeInterval: 60_000 }))
    await pull.bind("ws://127.0.0.1:*/silent")
    const { port } = new URL(pull.lastEndpoint!)
    const silent = createConnection({ host: "127.0.0.1", port: Number(port) })
    await once(silent, "connect")
    // Reset instead of ended when the listener closes before its thread accepted the connection
    // (the kernel resets its backlog): either way the connection is gone, which is the point.
    silent.on("error", () => {})
    const closed = new Promise((resolve) => silent.once("close", resolve))
    await pull.unbind(pull.lastEndpoint!) // within the test's timeout, not the interval
    await closed
  })

  if (ioThreads > 0) {
    it("an http.Server bind after another endpoint: EINVAL (the connections run on an IO thread)", async () => {
      const pull = sockets.add(new Pull(options))
      await pull.bind("tcp://127.0.0.1:*")
      await assert.rejects(pull.bind("ws://*:*/late", { server: http }), code("EINVAL"))
    })
  }

  it("bad binds fail at the call: STREAM over ws ENOCOMPATPROTO, wss without a key EINVAL, tcp on an http.Server EINVAL", async () => {
    const stream = sockets.add(new Stream(options))
    await assert.rejects(stream.bind("ws://127.0.0.1:*"), code("ENOCOMPATPROTO"))
    assert.throws(() => stream.connect("ws://127.0.0.1:5555"), code("ENOCOMPATPROTO"))
    const pull = sockets.add(new Pull(options))
    await assert.rejects(pull.bind("wss://127.0.0.1:*"), code("EINVAL"))
    await assert.rejects(pull.bind("tcp://127.0.0.1:*", { server: http }), code("EINVAL"))
    await assert.rejects(pull.bind("ws://127.0.0.1:x"), code("EINVAL"))
    assert.throws(() => pull.connect("ws://127.0.0.1:*/p"), code("EINVAL"))
  })

  it("a bare ZWS2.0 peer (what a browser can offer): routing ids first, then messages both ways", async () => {
    const router = sockets.add(new Router(options))
    await router.bind("ws://127.0.0.1:*")
    const peer = new WebSocket(router.lastEndpoint!, ["ZWS2.0"])
    const received: Buffer[] = []
    peer.on("message", (data: Buffer) => received.push(data))
    await once(peer, "open")
    assert.equal(peer.protocol, "ZWS2.0")
    peer.send(Buffer.from("\x00browser-1")) // its routing id, then a message
    peer.send(Buffer.from("\x00hello"))
    const [id, body] = await router.receive()
    assert.equal(String(id), "browser-1")
    assert.equal(String(body), "hello")
    await router.send([id!, "back"])
    while (received.length < 2) await once(peer, "message")
    // Our routing id (none: an empty message), then the reply: ZWS flags byte 0, body.
    assert.deepEqual(
      received.map((m) => m.toString("latin1")),
      ["\x00", "\x00back"],
    )
    peer.close()
  })
})
