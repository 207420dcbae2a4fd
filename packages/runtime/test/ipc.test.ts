// The ipc transport (Unix domain sockets) in the forms libzmq accepts, against libzmq both
// ways: a path, `ipc://*` (a fresh path), and `@name` (Linux's abstract namespace).
import assert from "node:assert/strict"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, afterEach, it } from "node:test"
import { type Context, Pull, Push, Reply, Request } from "omq"
import * as zmq from "zeromq"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"

const dir = mkdtempSync(join(tmpdir(), "omq-ipc-test-"))
after(() => rmSync(dir, { recursive: true, force: true }))
let serial = 0
const freshPath = (): string => join(dir, `s${serial++}`)

forEachIoThreads("ipc transport", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  it("ipc://* binds a fresh path, reported in lastEndpoint, removed on close", async () => {
    const pull = sockets.add(new Pull(opts))
    await pull.bind("ipc://*")
    const endpoint = pull.lastEndpoint!
    assert.match(endpoint, /^ipc:\/\/\/.+/)
    const path = endpoint.slice("ipc://".length)
    assert.ok(existsSync(path), "the socket file exists while bound")
    const push = sockets.add(new Push(opts))
    push.connect(endpoint)
    await push.send("over ipc")
    assert.deepEqual((await pull.receive()).map(String), ["over ipc"])
    pull.close()
    await pull.finished
    assert.equal(existsSync(path), false, "the socket file is gone after close")
  })

  it("a file left at the path by an earlier run is replaced, as libzmq does", async () => {
    const path = freshPath()
    writeFileSync(path, "stale")
    const pull = sockets.add(new Pull(opts))
    await pull.bind(`ipc://${path}`)
    assert.equal(pull.lastEndpoint, `ipc://${path}`)
    const push = sockets.add(new Push(opts))
    push.connect(`ipc://${path}`)
    await push.send("fresh")
    assert.deepEqual((await pull.receive()).map(String), ["fresh"])
  })

  it("an abstract-namespace name (@) binds and connects without a file", async () => {
    const name = `@omq-test-${process.pid}-${serial++}`
    const rep = sockets.add(new Reply(opts))
    await rep.bind(`ipc://${name}`)
    assert.equal(rep.lastEndpoint, `ipc://${name}`)
    const req = sockets.add(new Request(opts))
    req.connect(`ipc://${name}`)
    await req.send("ping")
    assert.deepEqual((await rep.receive()).map(String), ["ping"])
    await rep.send("pong")
    assert.deepEqual((await req.receive()).map(String), ["pong"])
  })

  it("bad ipc endpoints fail at the call with EINVAL or ENAMETOOLONG", async () => {
    const push = sockets.add(new Push(opts))
    assert.throws(() => push.connect("ipc://*"), { code: "EINVAL" })
    assert.throws(() => push.connect("ipc://"), { code: "EINVAL" })
    await assert.rejects(push.bind(`ipc:///tmp/${"x".repeat(120)}`), { code: "ENAMETOOLONG" })
  })

  for (const omqBinds of [true, false]) {
    const how = omqBinds ? "omq binds" : "zmq binds"
    it(`interop with libzmq over ipc (${how}): REQ ↔ REP and PUSH → PULL`, async () => {
      const [repPath, pullPath] = [freshPath(), freshPath()]
      const rep = sockets.add(omqBinds ? new Reply(opts) : new zmq.Reply({ linger: 0 }))
      const req = sockets.add(omqBinds ? new zmq.Request({ linger: 0 }) : new Request(opts))
      await rep.bind(`ipc://${repPath}`)
      req.connect(`ipc://${repPath}`)
      await req.send(["hello", "world"])
      assert.deepEqual((await rep.receive()).map(String), ["hello", "world"])
      await rep.send("reply")
      assert.deepEqual((await req.receive()).map(String), ["reply"])

      const pull = sockets.add(omqBinds ? new Pull(opts) : new zmq.Pull({ linger: 0 }))
      const push = sockets.add(omqBinds ? new zmq.Push({ linger: 0 }) : new Push(opts))
      await pull.bind(`ipc://${pullPath}`)
      push.connect(`ipc://${pullPath}`)
      const big = Buffer.alloc(1 << 20, 7)
      for (let i = 0; i < 3; i++) await push.send([`${i}`, big])
      for (let i = 0; i < 3; i++) {
        const [seq, body] = await pull.receive()
        assert.equal(String(seq), `${i}`)
        assert.ok(body!.equals(big))
      }
    })
  }
})
