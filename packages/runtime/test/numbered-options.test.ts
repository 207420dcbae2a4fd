// zeromq.js's numbered option accessors (libzmq's option numbers), the options omq keeps for
// code written for zeromq.js (backlog, affinity, pgm's rate and recoveryInterval, socksProxy),
// and what each does.
import { strict as assert } from "node:assert"
import { once } from "node:events"
import { after, describe, it } from "node:test"
import { Context, Dealer, Pull, Push, ZmqError } from "omq"

const ctx = new Context()
after(() => ctx.closeSocketsAndTerminate())

const code = (c: string) => (err: unknown) => err instanceof ZmqError && err.code === c

describe("numbered options", () => {
  it("reach the named options by libzmq's number, in each accessor's type", () => {
    const s = new Dealer({ context: ctx, linger: 0 })
    assert.equal(s.getBoolOption(39), false) // ZMQ_IMMEDIATE
    s.setBoolOption(39, true)
    assert.equal(s.immediate, true)
    assert.equal(s.getInt32Option(19), 100) // ZMQ_BACKLOG
    s.setInt32Option(19, 75)
    assert.equal(s.backlog, 75)
    s.setInt64Option(22, 2 ** 40) // ZMQ_MAXMSGSIZE
    assert.equal(s.maxMessageSize, 2 ** 40)
    s.setStringOption(5, Buffer.from("åbç")) // ZMQ_ROUTING_ID, as UTF-8 bytes
    assert.equal(s.getStringOption(5), "åbç")
    assert.equal(s.routingId, "åbç")
    assert.equal(s.getStringOption(68), null) // ZMQ_SOCKS_PROXY, unset
    s.close()
  })

  it("refuse unknown numbers and other accessors' types with EINVAL, bad values with TypeError", () => {
    const s = new Dealer({ context: ctx, linger: 0 })
    assert.throws(() => s.getInt32Option(9999), code("EINVAL"))
    assert.throws(() => s.getInt64Option(19), code("EINVAL")) // backlog is an int, not an int64
    assert.throws(() => s.getStringOption("19" as never), {
      name: "TypeError",
      message: "Identifier must be a number",
    })
    assert.throws(() => s.setInt32Option(19, "75" as never), {
      name: "TypeError",
      message: "Option value must be a number",
    })
    assert.throws(() => s.setBoolOption(39, 1 as never), {
      name: "TypeError",
      message: "Option value must be a boolean",
    })
    assert.throws(() => s.setStringOption(5, Buffer.from([0xff, 0xfe])), code("EINVAL"))
    assert.equal(s.backlog, 100)
    s.close()
  })

  it("warn as zeromq.js when a uint64 is beyond Number.MAX_SAFE_INTEGER", async () => {
    const s = new Dealer({ context: ctx, linger: 0 })
    const warned = once(process, "warning")
    s.setUint64Option(4, 2 ** 60) // ZMQ_AFFINITY
    const [warning] = (await warned) as [Error]
    assert.match(warning.message, /larger than Number\.MAX_SAFE_INTEGER/)
    assert.equal(s.getUint64Option(4), 2 ** 60)
    s.close()
  })
})

describe("options kept for zeromq.js's code", () => {
  it("backlog goes to the listener: a bind with backlog 1 still accepts connections", async () => {
    const pull = new Pull({ context: ctx, linger: 0, backlog: 1 })
    const push = new Push({ context: ctx, linger: 0 })
    await pull.bind("tcp://127.0.0.1:*")
    push.connect(pull.lastEndpoint!)
    await push.send("through")
    assert.equal(String(await pull.receive()), "through")
    pull.close()
    push.close()
  })

  it("a tcp connect with socksProxy set fails with ENOTSUP instead of going around it", () => {
    const push = new Push({ context: ctx, linger: 0, socksProxy: "127.0.0.1:1080" })
    assert.throws(() => push.connect("tcp://127.0.0.1:5555"), code("ENOTSUP"))
    push.socksProxy = null
    push.connect("tcp://127.0.0.1:5555")
    push.close()
  })

  it("pgm's rate and recoveryInterval and the IO affinity are kept and read back", () => {
    const s = new Dealer({ context: ctx, linger: 0, recoveryInterval: 5, rate: 50 })
    assert.deepEqual([s.recoveryInterval, s.rate, s.affinity], [5, 50, 0])
    assert.throws(() => new Dealer({ context: ctx, recoveryInterval: "x" } as never), {
      name: "TypeError",
      message: "Option value must be a number",
    })
    s.close()
  })
})
