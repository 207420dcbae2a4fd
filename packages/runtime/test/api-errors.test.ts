// Error behaviour of the public API: every misuse fails with the libzmq errno name in `.code`.

import { strict as assert } from "node:assert"
import { once } from "node:events"
import { createServer } from "node:net"
import { after, before, describe, it } from "node:test"
import { Worker } from "node:worker_threads"
import { Context, Pull, Push, ZmqError, Proxy as ZmqProxy } from "omq"
import { freePort } from "./helpers/interop.js"
import { untyped } from "./helpers/untyped.js"

const code = (expected: string) => (err: unknown) => {
  assert.ok(err instanceof ZmqError, `expected a ZmqError, got ${String(err)}`)
  assert.equal(err.code, expected, `expected ${expected}, got ${err.code}: ${err.message}`)
  return true
}

const text = (frames: Buffer[]) => frames.map((f) => f.toString()).join("|")

/** A port nobody listens on (bound by a net server, then released). */
describe("context", () => {
  it("rejects bad ioThreads with EINVAL, and a non-number with zeromq.js's TypeError", () => {
    for (const ioThreads of [-1, 1.5, Number.NaN]) {
      assert.throws(() => new Context({ ioThreads }), code("EINVAL"), String(ioThreads))
    }
    assert.throws(() => new Context({ ioThreads: "2" as unknown as number }), {
      name: "TypeError",
      message: "Option value must be a number",
    })
  })

  it("checks its arguments, and is sealed: unknown and read-only options throw TypeError", () => {
    const Construct = Context as unknown as new (...args: unknown[]) => Context
    assert.throws(() => new Construct({}, 2), { name: "TypeError", message: "Expected 1 argument" })
    assert.throws(() => new Construct(1), {
      name: "TypeError",
      message: "Options must be an object",
    })
    assert.throws(() => new Construct({ doesNotExist: 1 }), TypeError)
    assert.throws(() => new Construct({ maxSocketsLimit: 1 }), TypeError)
    const ctx = new Context({ ioThreads: 0 })
    assert.throws(() => {
      ;(ctx as unknown as Record<string, unknown>).doesNotExist = 1
    }, TypeError)
  })

  it("has zeromq.js's options: blocky sets new sockets' default linger, maxSockets limits them", () => {
    const ctx = new Context({ ioThreads: 0, maxSockets: 2, ipv6: true })
    assert.deepEqual(
      [ctx.blocky, ctx.ipv6, ctx.maxSockets, ctx.maxSocketsLimit, ctx.maxMessageSize],
      [true, true, 2, 65535, 2 ** 31 - 1],
    )
    const a = new Pull({ context: ctx })
    assert.equal(a.linger, -1)
    ctx.blocky = false
    const b = new Pull({ context: ctx })
    assert.equal(b.linger, 0, "a non-blocky context's sockets default to linger 0")
    assert.throws(
      () => new Pull({ context: ctx }),
      (err: unknown) => {
        assert.ok(err instanceof ZmqError && err.code === "EMFILE")
        assert.equal(err.message, "Too many open file descriptors")
        return true
      },
    )
    a.close()
    b.close()
    ctx.ioThreads = 3
    assert.equal(ctx.ioThreads, 3)
  })

  it("ioThreads is the context's, as zeromq.js's: another thread's Context reads what was set", async () => {
    const ctx = new Context({ ioThreads: 1 })
    ctx.ioThreads = 3
    const code = `
      const { parentPort, workerData } = require("node:worker_threads")
      import(workerData.omq).then(({ Context }) => {
        parentPort.postMessage(Context.fromHandle(workerData.handle).ioThreads)
      })`
    const omq = import.meta.resolve("omq")
    const worker = new Worker(code, { eval: true, workerData: { omq, handle: ctx.handle } })
    const [seen] = await once(worker, "message")
    assert.equal(seen, 3)
    await worker.terminate()
    await ctx.closeSocketsAndTerminate()
  })

  for (const ioThreads of [0, 1]) {
    it(`a terminated context refuses new sockets with ETERM (ioThreads ${ioThreads})`, async () => {
      const ctx = new Context({ ioThreads })
      const pull = new Pull({ context: ctx })
      await pull.bind("tcp://127.0.0.1:*")
      await ctx.closeSocketsAndTerminate()
      assert.equal(pull.closed, true, "terminate() closes the context's sockets")
      assert.throws(() => new Pull({ context: ctx }), code("ETERM"))
      assert.throws(() => new Push({ context: ctx }), code("ETERM"))
    })
  }
})

for (const ioThreads of [0, 1]) {
  describe(`socket API errors (ioThreads ${ioThreads})`, () => {
    let ctx: Context
    before(() => {
      ctx = new Context({ ioThreads })
    })
    after(async () => {
      await ctx.closeSocketsAndTerminate()
    })

    it("bind and connect reject malformed endpoints with EINVAL", async () => {
      const s = new Pull({ context: ctx, linger: 0 })
      try {
        for (const ep of [
          "tcp://127.0.0.1",
          "tcp://host:99999",
          "nonsense",
          "tcp://127.0.0.1:-1",
          "tcp://:5555",
        ]) {
          await assert.rejects(s.bind(ep), code("EINVAL"), `bind ${ep}`)
          assert.throws(() => s.connect(ep), code("EINVAL"), `connect ${ep}`)
        }
        // Wildcards make sense for bind only.
        assert.throws(() => s.connect("tcp://127.0.0.1:*"), code("EINVAL"))
        assert.throws(() => s.connect("tcp://*:5555"), code("EINVAL"))
      } finally {
        s.close()
      }
    })

    it("bind and connect reject unknown and unimplemented transports with EPROTONOSUPPORT", async () => {
      const s = new Push({ context: ctx, linger: 0 })
      try {
        for (const endpoint of ["foo://x", "pgm://127.0.0.1;239.0.0.1:5555"]) {
          await assert.rejects(s.bind(endpoint), code("EPROTONOSUPPORT"))
          assert.throws(() => s.connect(endpoint), code("EPROTONOSUPPORT"))
        }
      } finally {
        s.close()
      }
    })

    it("errors carry zeromq.js's message and errno for their code, and omq's detail", async () => {
      const s = new Push({ context: ctx, linger: 0 })
      const expect = (message: string, errno: number, detail: RegExp) => (err: unknown) => {
        assert.ok(err instanceof ZmqError)
        assert.equal(err.message, message)
        assert.equal(err.errno, errno)
        assert.match(err.detail, detail)
        assert.match(String(err), detail, "String(err) keeps the detail")
        return true
      }
      await assert.rejects(s.bind("foo-bar"), expect("Invalid argument", 22, /foo-bar/))
      assert.throws(() => s.connect("foo://bar"), expect("Protocol not supported", 93, /foo/))
      await assert.rejects(s.unbind("inproc://nowhere"), expect("No such endpoint", 2, /nowhere/))
      s.close()
      await assert.rejects(s.send("x"), expect("Socket is closed", 9, /closed/))
    })

    it("close() during bind() or unbind() takes effect when they settle, as in zeromq.js", async () => {
      const s = new Pull({ context: ctx, linger: 0 })
      const bound = s.bind("tcp://127.0.0.1:*")
      s.close()
      assert.equal(s.closed, false, "still open while the bind runs")
      await bound // the bind finishes on its own terms
      assert.equal(s.closed, true)
      const t = new Pull({ context: ctx, linger: 0 })
      const unbound = t.unbind("tcp://127.0.0.1:1")
      t.close()
      assert.equal(t.closed, false)
      await assert.rejects(unbound, code("ENOENT"))
      assert.equal(t.closed, true)
    })

    it("socket constructors check their arguments as zeromq.js's do", () => {
      const Socket = Pull as unknown as new (...args: unknown[]) => Pull
      const opts = { context: ctx }
      assert.throws(() => new Pull({ context: {} as Context }), code("EINVAL"))
      assert.throws(() => new Socket({ ...opts, doesNotExist: 1 }), {
        name: "TypeError",
        message: "Cannot add property doesNotExist, object is not extensible",
      })
      assert.throws(() => new Socket({ ...opts, securityMechanism: "plain" }), {
        name: "TypeError",
        message: "Cannot set property securityMechanism of #<Socket> which has only a getter",
      })
      const pull = new Pull({ ...opts, linger: 0 })
      assert.throws(() => {
        ;(pull as unknown as { securityMechanism: string }).securityMechanism = "plain"
      }, TypeError)
      pull.close()
    })

    it("setting an option after connect() warns that it applies to later endpoints only", async () => {
      const warnings: string[] = []
      const onWarning = (w: Error) => warnings.push(w.message)
      process.on("warning", onWarning)
      const s = new Push({ context: ctx, linger: 0 })
      try {
        s.routingId = "before" // no endpoint yet: no warning
        s.connect("tcp://127.0.0.1:1")
        s.sendTimeout = 10 // read at each send: no warning
        s.routingId = "after"
        await new Promise((resolve) => setImmediate(resolve))
        assert.deepEqual(warnings, ["Socket option will not take effect until next connect/bind."])
      } finally {
        process.off("warning", onWarning)
        s.close()
      }
    })

    it("a Proxy checks its sockets as zeromq.js does", async () => {
      const Construct = ZmqProxy as unknown as new (...args: unknown[]) => ZmqProxy
      assert.throws(() => new Construct(), TypeError)
      assert.throws(() => new Construct({}, {}), code("EINVAL"))
      const front = new Pull({ context: ctx, linger: 0 })
      const back = new Push({ context: ctx, linger: 0 })
      try {
        const proxy = new ZmqProxy(front, back)
        assert.throws(() => proxy.terminate(), code("EBADF"), "not running yet")
        await front.bind("tcp://127.0.0.1:*")
        await assert.rejects(proxy.run(), (err: unknown) => {
          assert.ok(err instanceof ZmqError && err.code === "EINVAL")
          assert.equal(err.message, "Back-end socket must be bound or connected")
          return true
        })
      } finally {
        front.close()
        back.close()
      }
    })

    it("an empty inproc name fails with EINVAL at the call; a second bind of a name with EADDRINUSE", async () => {
      const a = new Pull({ context: ctx, linger: 0 })
      const b = new Pull({ context: ctx, linger: 0 })
      try {
        await assert.rejects(a.bind("inproc://"), code("EINVAL"))
        assert.throws(() => a.connect("inproc://"), code("EINVAL"))
        const name = `inproc://api-errors-${ioThreads}`
        await a.bind(name)
        await assert.rejects(b.bind(name), code("EADDRINUSE"))
        await assert.rejects(b.unbind(name), code("ENOENT"))
        await a.unbind(name)
        await b.bind(name) // free again
      } finally {
        a.close()
        b.close()
      }
    })

    it("binding a port that is in use fails with EADDRINUSE", async () => {
      const a = new Pull({ context: ctx, linger: 0 })
      const b = new Pull({ context: ctx, linger: 0 })
      const server = createServer()
      try {
        await a.bind("tcp://127.0.0.1:*")
        await assert.rejects(b.bind(a.lastEndpoint!), code("EADDRINUSE"))
        // A port held by something that is not omq at all.
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
        const { port } = server.address() as { port: number }
        await assert.rejects(b.bind(`tcp://127.0.0.1:${port}`), code("EADDRINUSE"))
        // The failed binds left b usable.
        await b.bind("tcp://127.0.0.1:*")
        assert.notEqual(b.lastEndpoint, a.lastEndpoint)
      } finally {
        server.close()
        a.close()
        b.close()
      }
    })

    it("unbind of an endpoint that is not bound fails with ENOENT", async () => {
      const s = new Pull({ context: ctx, linger: 0 })
      try {
        await assert.rejects(s.unbind(`tcp://127.0.0.1:${await freePort()}`), code("ENOENT"))
      } finally {
        s.close()
      }
    })

    it("bad option values fail with EINVAL, in the constructor and in setters", () => {
      const bad: Array<[string, unknown]> = [
        ["linger", -2],
        ["linger", 1.5],
        ["sendHighWaterMark", -1],
        ["reconnectInterval", -5],
        ["handshakeInterval", -1],
        ["maxMessageSize", -2],
        ["sendTimeout", -2],
        ["receiveTimeout", Number.NaN],
        ["routingId", ""],
      ]
      for (const [name, value] of bad) {
        assert.throws(
          () => new Push({ context: ctx, [name]: value } as never),
          code("EINVAL"),
          `constructor ${name}=${String(value)}`,
        )
      }
      const s = new Push({ context: ctx, linger: 0, sendTimeout: 50 })
      try {
        for (const [name, value] of bad) {
          const before = (s as unknown as Record<string, unknown>)[name]
          assert.throws(
            () => {
              ;(s as unknown as Record<string, unknown>)[name] = value
            },
            code("EINVAL"),
            `setter ${name}=${String(value)}`,
          )
          assert.deepEqual(
            (s as unknown as Record<string, unknown>)[name],
            before,
            `${name} unchanged after a rejected set`,
          )
        }
        // A value of the wrong type is zeromq.js's TypeError.
        const wrongType: Array<[string, unknown, string]> = [
          ["receiveHighWaterMark", "10", "Option value must be a number"],
          ["immediate", 1, "Option value must be a boolean"],
          ["routingId", 5, "Option value must be a string or buffer"],
        ]
        for (const [name, value, message] of wrongType) {
          assert.throws(() => new Push({ context: ctx, [name]: value } as never), {
            name: "TypeError",
            message,
          })
          assert.throws(
            () => {
              ;(s as unknown as Record<string, unknown>)[name] = value
            },
            { name: "TypeError", message },
          )
        }
        // Good values are taken.
        s.sendHighWaterMark = 7
        assert.equal(s.sendHighWaterMark, 7)
        assert.equal(s.sendTimeout, 50)
      } finally {
        s.close()
      }
    })

    it("receive() rejects with EAGAIN after receiveTimeout", async () => {
      const s = new Pull({ context: ctx, linger: 0, receiveTimeout: 100 })
      try {
        await s.bind("tcp://127.0.0.1:*")
        const t0 = performance.now()
        await assert.rejects(s.receive(), code("EAGAIN"))
        assert.ok(performance.now() - t0 >= 90, "waited about receiveTimeout")
        // The socket still works afterwards.
        const push = new Push({ context: ctx, linger: 0 })
        push.connect(s.lastEndpoint!)
        await push.send("late")
        assert.equal(text(await s.receive()), "late")
        push.close()
      } finally {
        s.close()
      }
    })

    it("send() rejects with EAGAIN after sendTimeout when there is no peer", async () => {
      const s = new Push({ context: ctx, linger: 0, sendTimeout: 100 })
      try {
        const t0 = performance.now()
        await assert.rejects(s.send("nobody"), code("EAGAIN"))
        assert.ok(performance.now() - t0 >= 90, "waited about sendTimeout")
        s.sendTimeout = 0
        await assert.rejects(s.send("nobody"), code("EAGAIN"))
      } finally {
        s.close()
      }
    })

    it("sending anything but bytes, strings or null fails with EINVAL", async () => {
      const pull = new Pull({ context: ctx, linger: 0, receiveTimeout: 150 })
      const push = new Push({ context: ctx, linger: 0 })
      try {
        await pull.bind("tcp://127.0.0.1:*")
        push.connect(pull.lastEndpoint!)
        await assert.rejects(push.send(42 as never), code("EINVAL"))
        await assert.rejects(push.send(["ok", 42] as never), code("EINVAL"))
        await assert.rejects(push.send({ not: "a frame" } as never), code("EINVAL"))
        await assert.rejects(push.send(undefined as never), code("EINVAL"))
        await assert.rejects(push.send([]), code("EINVAL"))
        // None of the rejected messages went out, not even their valid first frames.
        await push.send(["a", null, new Uint8Array([0x62]), new Uint8Array([0x63]).buffer])
        const frames = await pull.receive()
        assert.deepEqual(
          frames.map((f) => f.toString()),
          ["a", "", "b", "c"],
        )
        await assert.rejects(pull.receive(), code("EAGAIN"))
      } finally {
        push.close()
        pull.close()
      }
    })

    it("lastEndpoint is read-only: assigning it throws a TypeError, as in zeromq.js", async () => {
      const pull = new Pull({ context: ctx, linger: 0 })
      try {
        await pull.bind("tcp://127.0.0.1:*")
        const bound = pull.lastEndpoint
        // The type says read-only; from JavaScript (strict code) the assignment throws.
        assert.throws(() => {
          ;(pull as { lastEndpoint: string | null }).lastEndpoint = "tcp://elsewhere:1"
        }, TypeError)
        assert.equal(pull.lastEndpoint, bound)
      } finally {
        pull.close()
      }
    })

    it("PUSH cannot receive and PULL cannot send (ENOTSUP)", async () => {
      const push = new Push({ context: ctx, linger: 0 })
      const pull = new Pull({ context: ctx, linger: 0 })
      try {
        // The types hide both calls; from JavaScript they fail so.
        await assert.rejects(async () => untyped(pull).send("x"), code("ENOTSUP"))
        await assert.rejects(async () => untyped(push).receive(), code("ENOTSUP"))
      } finally {
        push.close()
        pull.close()
      }
    })

    it("endpoint calls on a closed socket fail with EBADF", async () => {
      const s = new Pull({ context: ctx, linger: 0 })
      const p = new Push({ context: ctx, linger: 0 })
      await s.bind("tcp://127.0.0.1:*")
      const ep = s.lastEndpoint!
      s.close()
      p.close()
      assert.equal(s.closed, true)
      s.close() // a second close is harmless
      await assert.rejects(async () => s.bind("tcp://127.0.0.1:*"), code("EBADF"), "bind")
      await assert.rejects(async () => s.unbind(ep), code("EBADF"), "unbind")
      assert.throws(() => s.connect(ep), code("EBADF"), "connect")
      assert.throws(() => s.disconnect(ep), code("EBADF"), "disconnect")
      await s.finished
      await p.finished
    })

    it("send() and receive() on a closed socket reject with EBADF", async () => {
      const s = new Pull({ context: ctx, linger: 0 })
      const p = new Push({ context: ctx, linger: 0 })
      s.close()
      p.close()
      const codes = {
        receive: await s.receive().then(
          () => "resolved",
          (err: ZmqError) => err.code,
        ),
        send: await p.send("x").then(
          () => "resolved",
          (err: ZmqError) => err.code,
        ),
      }
      assert.deepEqual(codes, { receive: "EBADF", send: "EBADF" })
    })

    it("a pending receive() rejects with EAGAIN when the socket is closed", async () => {
      const s = new Pull({ context: ctx, linger: 0 })
      await s.bind("tcp://127.0.0.1:*")
      const pending = [s.receive(), s.receive()]
      s.close()
      for (const p of pending) await assert.rejects(p, code("EAGAIN"))
      await s.finished
    })

    it("a pending send() rejects with EAGAIN when the socket is closed", async () => {
      const s = new Push({ context: ctx, linger: 0 })
      const pending = s.send("never")
      s.close()
      await assert.rejects(pending, code("EAGAIN"))
      await s.finished
    })

    it("for await ends when the socket is closed", async () => {
      const pull = new Pull({ context: ctx, linger: 0 })
      const push = new Push({ context: ctx, linger: 0 })
      try {
        await pull.bind("tcp://127.0.0.1:*")
        push.connect(pull.lastEndpoint!)
        const seen: string[] = []
        let twoSeen!: () => void
        const gotTwo = new Promise<void>((resolve) => {
          twoSeen = resolve
        })
        const loop = (async () => {
          for await (const frames of pull) {
            seen.push(text(frames))
            if (seen.length === 2) twoSeen()
          }
          return "ended"
        })()
        await push.send("one")
        await push.send("two")
        await gotTwo
        // The loop is now waiting inside receive(); closing must end it without an error.
        pull.close()
        assert.equal(await loop, "ended")
        assert.deepEqual(seen, ["one", "two"])
      } finally {
        push.close()
        pull.close()
      }
    })

    it("several outstanding receive() calls resolve in call order", async () => {
      const pull = new Pull({ context: ctx, linger: 0 })
      const push = new Push({ context: ctx, linger: 0 })
      try {
        await pull.bind("tcp://127.0.0.1:*")
        const order: number[] = []
        const receives = [0, 1, 2, 3, 4].map((i) =>
          pull.receive().then((frames) => {
            order.push(i)
            return text(frames)
          }),
        )
        push.connect(pull.lastEndpoint!)
        const sends = ["m0", "m1", "m2", "m3", "m4"].map((m) => push.send(m))
        await Promise.all(sends)
        assert.deepEqual(await Promise.all(receives), ["m0", "m1", "m2", "m3", "m4"])
        assert.deepEqual(order, [0, 1, 2, 3, 4])
      } finally {
        push.close()
        pull.close()
      }
    })

    it("a timed-out receive() leaves the other outstanding ones in place", async () => {
      const pull = new Pull({ context: ctx, linger: 0 })
      const push = new Push({ context: ctx, linger: 0 })
      try {
        await pull.bind("tcp://127.0.0.1:*")
        const first = pull.receive()
        pull.receiveTimeout = 50
        const second = pull.receive()
        pull.receiveTimeout = -1
        const third = pull.receive()
        await assert.rejects(second, code("EAGAIN"))
        push.connect(pull.lastEndpoint!)
        await push.send("x")
        await push.send("y")
        assert.equal(text(await first), "x")
        assert.equal(text(await third), "y")
      } finally {
        push.close()
        pull.close()
      }
    })
  })
}
