// udp for the draft types: RADIO→DISH (unicast and multicast on loopback) and DGRAM, omq against
// omq, against libzmq 4.3.5 (zeromq.js's `zeromq/draft`) both ways, and against plain node:dgram
// sockets; what libzmq does with bad input (EINVAL, EMSGSIZE, ENOCOMPATPROTO, or a drop that
// leaves the socket serving); and closed sockets free their ports. Each runs in-thread and on an
// IO worker. udp may drop, so a first message is sent until it arrives (no sleeps).
import { strict as assert } from "node:assert"
import { createHook } from "node:async_hooks"
import { createSocket, type Socket as UdpSocket } from "node:dgram"
import { afterEach, it } from "node:test"
import { type Context, Push } from "omq"
import { Datagram, Dish, Radio } from "omq/draft"
import * as zmqDraft from "zeromq/draft.js"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"
import { untyped } from "./helpers/untyped.js"
import {
  type AnyDish,
  sendUntilReceived,
  untilReceived,
  withWorkingJoin,
} from "./helpers/zmq-dish.js"

type Lib = "omq" | "zmq"

const text = (b: Buffer | undefined): string => b?.toString() ?? "<none>"

/** A loopback udp port that was free a moment ago (zeromq.js cannot report a `*` port). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4")
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

/** A node:dgram socket bound on loopback; `next()` gives what it receives, in order. */
async function rawSocket(): Promise<{ socket: UdpSocket; port: number; next(): Promise<Buffer> }> {
  const socket = createSocket("udp4")
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve))
  const queue: Buffer[] = []
  const waiting: Array<(m: Buffer) => void> = []
  socket.on("message", (m) => (waiting.length > 0 ? waiting.shift()!(m) : queue.push(m)))
  return {
    socket,
    port: socket.address().port,
    next: () =>
      new Promise((resolve) =>
        queue.length > 0 ? resolve(queue.shift()!) : waiting.push(resolve),
      ),
  }
}

/** Whether a udp port on loopback can be bound exclusively (nobody holds it any more). */
async function portIsFree(port: number): Promise<boolean> {
  const socket = createSocket({ type: "udp4", reuseAddr: false })
  const ok = await new Promise<boolean>((resolve) => {
    socket.once("error", () => resolve(false))
    socket.bind({ port, address: "127.0.0.1", exclusive: true }, () => resolve(true))
  })
  socket.close()
  return ok
}

/** The port of a udp endpoint. */
const portOf = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(":") + 1))

let groupCount = 0
/** A fresh multicast group, so that no test hears another's datagrams. */
const freshGroup = (): string => `239.255.${(process.pid >> 8) & 255}.${++groupCount & 255}`

forEachIoThreads("udp draft sockets", (ctx: Context, ioThreads: number) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const common = { linger: 0 }
  const omq = { context: ctx, ...common }

  // ---- RADIO → DISH --------------------------------------------------------------------------

  type AnyRadio = {
    connect(a: string): void
    send(m: Buffer | string, o: { group: string }): Promise<void>
  }

  const radio = (lib: Lib): AnyRadio =>
    sockets.add(lib === "omq" ? new Radio(omq) : new zmqDraft.Radio(common)) as AnyRadio
  const dish = (lib: Lib): AnyDish => {
    if (lib === "omq") return sockets.add(new Dish(omq)) as unknown as AnyDish
    return withWorkingJoin(sockets.add(new zmqDraft.Dish(common)))
  }

  /** Binds a DISH; resolves with the endpoint a RADIO connects to. */
  async function bindDish(d: AnyDish, lib: Lib, where: (port: string) => string): Promise<string> {
    // omq resolves a `*` port; libzmq's lastEndpoint would not, so libzmq gets a free one.
    const port = lib === "omq" ? "*" : String(await freeUdpPort())
    await d.bind(where(port))
    return lib === "omq" ? d.lastEndpoint! : where(port)
  }

  /** Sends `send` until the dish has a message, which must be `expected`. */
  /** The join/leave filtering of draft-sockets.test.ts, over udp: the DISH alone filters. */
  async function joinLeave(r: AnyRadio, d: AnyDish): Promise<void> {
    await sendUntilReceived(
      r,
      d,
      [
        ["sports", "goal"],
        ["weather", "rain"],
      ],
      ["weather", "rain"],
    )
    await r.send("goal", { group: "sports" })
    await r.send("elections", { group: "news" })
    let [msg, { group }] = await d.receive()
    while (text(group) === "weather") [msg, { group }] = await d.receive() // the probe's leftovers
    assert.deepEqual([text(group), text(msg)], ["news", "elections"])
    d.leave("weather")
    await sendUntilReceived(
      r,
      d,
      [
        ["weather", "sun"],
        ["news", "late"],
      ],
      ["news", "late"],
    )
  }

  const PAIRS: ReadonlyArray<[radio: Lib, dish: Lib]> = [
    ["omq", "omq"],
    ["omq", "zmq"],
    ["zmq", "omq"],
  ]

  for (const [radioLib, dishLib] of PAIRS) {
    it(`RADIO→DISH unicast with join/leave: ${radioLib} RADIO, ${dishLib} DISH`, async () => {
      const d = dish(dishLib)
      d.join("weather", "news")
      const endpoint = await bindDish(d, dishLib, (port) => `udp://127.0.0.1:${port}`)
      const r = radio(radioLib)
      r.connect(endpoint)
      await joinLeave(r, d)
    })

    it(`RADIO→DISH multicast on loopback: ${radioLib} RADIO, ${dishLib} DISH`, async () => {
      const group = freshGroup()
      const d = dish(dishLib)
      d.join("weather", "news")
      const where = (port: string) => `udp://127.0.0.1;${group}:${port}`
      const endpoint = await bindDish(d, dishLib, where)
      if (dishLib === "omq") assert.match(endpoint, /^udp:\/\/127\.0\.0\.1;239\.255\.\d+\.\d+:\d+$/)
      const r = radio(radioLib)
      r.connect(endpoint)
      await joinLeave(r, d)
    })
  }

  it("a RADIO sends to its udp DISH every group and to its tcp DISH the joined ones", async () => {
    const r = sockets.add(new Radio(omq))
    await r.bind("tcp://127.0.0.1:*")
    const overTcp = dish("omq")
    overTcp.join("a")
    ;(overTcp as unknown as Dish).connect(r.lastEndpoint!)
    const overUdp = dish("omq")
    overUdp.join("b")
    r.connect(await bindDish(overUdp, "omq", (port) => `udp://127.0.0.1:${port}`))
    // Each dish gets only its group, whatever the radio sent to each pipe.
    await sendUntilReceived(
      r,
      overTcp,
      [
        ["b", "1"],
        ["a", "2"],
      ],
      ["a", "2"],
    )
    await sendUntilReceived(
      r,
      overUdp,
      [
        ["a", "2"],
        ["b", "1"],
      ],
      ["b", "1"],
    )
  })

  it("a RADIO with immediate gets its udp pipe all the same (libzmq ignores it for udp)", async () => {
    const d = dish("omq")
    d.join("g")
    const endpoint = await bindDish(d, "omq", (port) => `udp://127.0.0.1:${port}`)
    const r = sockets.add(new Radio({ ...omq, immediate: true }))
    r.connect(endpoint)
    await sendUntilReceived(r, d, [["g", "now"]], ["g", "now"])
  })

  it("a DISH takes a 200-byte group from libzmq's RADIO (its length byte, read unsigned)", async () => {
    const long = "g".repeat(200)
    const d = dish("omq")
    d.join(long)
    const endpoint = await bindDish(d, "omq", (port) => `udp://127.0.0.1:${port}`)
    const r = radio("zmq")
    r.connect(endpoint)
    await sendUntilReceived(r, d, [[long, "long"]], [long, "long"])
  })

  it("udp endpoints: bind resolves the port; unbind and close free it", async () => {
    const d = sockets.add(new Dish(omq))
    await d.bind("udp://127.0.0.1:*")
    const first = portOf(d.lastEndpoint!)
    assert.equal(d.lastEndpoint, `udp://127.0.0.1:${first}`)
    assert.equal(await portIsFree(first), false)
    await d.unbind(d.lastEndpoint!)
    assert.equal(await portIsFree(first), true)
    await assert.rejects(d.unbind(`udp://127.0.0.1:${first}`), { code: "ENOENT" })
    await d.bind(`udp://127.0.0.1:${first}`)
    // Taken: a second bind of the same port fails.
    const other = sockets.add(new Dish(omq))
    await assert.rejects(other.bind(`udp://127.0.0.1:${first}`), { code: "EADDRINUSE" })
    d.close()
    await d.finished
    assert.equal(await portIsFree(first), true)
  })

  // ---- bad input on RADIO/DISH ----------------------------------------------------------------

  it("RADIO over udp: a group over 127 bytes is EINVAL, over 8,192 bytes EMSGSIZE; 127 and 8,192 go", async () => {
    const d = dish("omq")
    const g127 = "x".repeat(127)
    d.join(g127, "g")
    const r = sockets.add(new Radio(omq))
    r.connect(await bindDish(d, "omq", (port) => `udp://127.0.0.1:${port}`))
    await assert.rejects(r.send("no", { group: "y".repeat(128) }), { code: "EINVAL" })
    await assert.rejects(r.send(Buffer.alloc(8191), { group: "g" }), { code: "EMSGSIZE" })
    await sendUntilReceived(r, d, [[g127, "ok"]], [g127, "ok"])
    const [body, { group }] = await untilReceived(
      () => r.send(Buffer.alloc(8190, 7), { group: "g" }), // 1 + 1 + 8,190: exactly 8,192
      (async () => {
        for (;;) {
          const m = await d.receive()
          if (text(m[1].group) === "g") return m
        }
      })(),
    )
    assert.deepEqual([text(group), body.length], ["g", 8190])
  })

  it("the 127-byte limit is udp's: a RADIO with only tcp pipes sends a 200-byte group", async () => {
    const long = "y".repeat(200)
    const r = sockets.add(new Radio(omq))
    await r.bind("tcp://127.0.0.1:*")
    const d = dish("omq")
    d.join(long)
    ;(d as unknown as Dish).connect(r.lastEndpoint!)
    await sendUntilReceived(r, d, [[long, "over tcp"]], [long, "over tcp"])
  })

  it("a DISH drops malformed datagrams and keeps serving", async () => {
    const d = dish("omq")
    d.join("g")
    const endpoint = await bindDish(d, "omq", (port) => `udp://127.0.0.1:${port}`)
    const raw = await rawSocket()
    try {
      const send = (datagram: Uint8Array) =>
        new Promise<void>((resolve) =>
          raw.socket.send(datagram, portOf(endpoint), "127.0.0.1", () => resolve()),
        )
      await send(new Uint8Array(0)) // empty
      await send(Uint8Array.of(9, 0x67)) // the group runs past the end
      await send(Uint8Array.of(255)) // likewise
      await send(Buffer.concat([Buffer.of(1, 0x67), Buffer.alloc(9000)])) // over 8,192 bytes
      await send(Buffer.from("\x01hbody")) // well formed, not joined
      await send(Buffer.from("\x01gfirst")) // well formed, joined
      const [msg, { group }] = await d.receive()
      assert.deepEqual([text(group), text(msg)], ["g", "first"])
    } finally {
      raw.socket.close()
    }
  })

  it("udp and the socket types: ENOCOMPATPROTO as libzmq; bad endpoints EINVAL", async () => {
    const r = sockets.add(new Radio(omq))
    const d = sockets.add(new Dish(omq))
    const g = sockets.add(new Datagram(omq))
    const push = sockets.add(new Push(omq))
    await assert.rejects(r.bind("udp://127.0.0.1:*"), { code: "ENOCOMPATPROTO" })
    assert.throws(() => d.connect("udp://127.0.0.1:5555"), { code: "ENOCOMPATPROTO" })
    assert.throws(() => g.connect("udp://127.0.0.1:5555"), { code: "ENOCOMPATPROTO" })
    await assert.rejects(g.bind("tcp://127.0.0.1:*"), { code: "ENOCOMPATPROTO" })
    await assert.rejects(push.bind("udp://127.0.0.1:*"), { code: "ENOCOMPATPROTO" })
    assert.throws(() => r.connect("udp://127.0.0.1:*"), { code: "EINVAL" })
    assert.throws(() => r.connect("udp://127.0.0.1;127.0.0.2:5555"), { code: "EINVAL" })
    await assert.rejects(d.bind("udp://[::1]:*"), { code: "EINVAL" })
    await assert.rejects(d.bind("udp://no-such-nic;239.1.2.3:*"), { code: "EINVAL" })
  })

  // ---- DGRAM ---------------------------------------------------------------------------------

  it("DGRAM ↔ node:dgram: [address, body] both ways; the address has no NUL, and takes one", async () => {
    const g = sockets.add(new Datagram(omq))
    await g.bind("udp://127.0.0.1:*")
    const port = portOf(g.lastEndpoint!)
    const raw = await rawSocket()
    try {
      raw.socket.send("ping", port, "127.0.0.1")
      const [address, body] = await g.receive()
      assert.deepEqual([text(address), text(body)], [`127.0.0.1:${raw.port}`, "ping"])
      await g.send([address!, "without NUL"])
      assert.equal(text(await raw.next()), "without NUL")
      await g.send([Buffer.concat([address!, Buffer.of(0)]), "with NUL"])
      assert.equal(text(await raw.next()), "with NUL")
    } finally {
      raw.socket.close()
    }
  })

  it("DGRAM drops a message to a non-numeric address; later ones still go", async () => {
    const g = sockets.add(new Datagram(omq))
    await g.bind("udp://127.0.0.1:*")
    const raw = await rawSocket()
    try {
      await g.send([`localhost:${raw.port}`, "named"])
      await g.send([`127.0.0.1:0`, "port 0"])
      await g.send(["", "empty"])
      await g.send([`127.0.0.1:${raw.port}`, "numeric"])
      assert.equal(text(await raw.next()), "numeric")
    } finally {
      raw.socket.close()
    }
  })

  it("DGRAM: not two frames is EINVAL, a body over 8,192 bytes EMSGSIZE; nothing lost", async () => {
    const g = sockets.add(new Datagram(omq))
    await g.bind("udp://127.0.0.1:*")
    const raw = await rawSocket()
    try {
      const to = `127.0.0.1:${raw.port}`
      // The types reject both; from JavaScript they fail so.
      await assert.rejects(untyped(g).send(["only one"]), { code: "EINVAL" })
      await assert.rejects(untyped(g).send([to, "a", "b"]), { code: "EINVAL" })
      await assert.rejects(g.send([to, Buffer.alloc(8193)]), { code: "EMSGSIZE" })
      await g.send([to, Buffer.alloc(8192, 1)])
      assert.equal((await raw.next()).length, 8192)
    } finally {
      raw.socket.close()
    }
  })

  it("DGRAM: a second bind's pipe is refused, as libzmq's; the first keeps sending", async () => {
    const g = sockets.add(new Datagram(omq))
    await g.bind("udp://127.0.0.1:*")
    const first = g.lastEndpoint!
    await g.bind("udp://127.0.0.1:*")
    const raw = await rawSocket()
    try {
      const from = new Promise<number>((resolve) =>
        raw.socket.once("message", (_m, info) => resolve(info.port)),
      )
      await g.send([`127.0.0.1:${raw.port}`, "from the first"])
      assert.equal(await from, portOf(first))
    } finally {
      raw.socket.close()
    }
  })

  it("DGRAM ↔ libzmq's DGRAM: each answers the other at the address it received", async () => {
    const g = sockets.add(new Datagram(omq))
    await g.bind("udp://127.0.0.1:*")
    const z = sockets.add(new zmqDraft.Datagram(common))
    const zPort = await freeUdpPort()
    await z.bind(`udp://127.0.0.1:${zPort}`)
    // libzmq opens its socket in its IO thread after bind() returns: send until it is there.
    const [from, hello] = await untilReceived(
      () => g.send([`127.0.0.1:${zPort}`, "hello"]),
      z.receive(),
    )
    assert.deepEqual([text(from), text(hello)], [`127.0.0.1:${portOf(g.lastEndpoint!)}\0`, "hello"])
    await z.send([from!, "back"]) // libzmq's address frame, NUL and all
    const [address, back] = await g.receive()
    assert.deepEqual([text(address), text(back)], [`127.0.0.1:${zPort}`, "back"])
  })

  // ---- nothing left open -----------------------------------------------------------------------

  it("closing udp sockets closes their node:dgram sockets, and frees their ports", async () => {
    // Node's udp handles are unref'd (a socket holds its thread only while it has work), so
    // getActiveResourcesInfo() does not list them: count them as async resources instead.
    const live = new Set<number>()
    let made = 0
    const hook = createHook({
      init(id, type) {
        if (type !== "UDPWRAP") return
        made++
        live.add(id)
      },
      destroy(id) {
        live.delete(id)
      },
    }).enable()
    try {
      const d = sockets.add(new Dish(omq))
      await d.bind("udp://127.0.0.1:*")
      const r = sockets.add(new Radio(omq))
      r.connect(d.lastEndpoint!)
      d.join("g")
      await sendUntilReceived(r as AnyRadio, d as unknown as AnyDish, [["g", "up"]], ["g", "up"])
      const g = sockets.add(new Datagram(omq))
      await g.bind("udp://127.0.0.1;239.255.0.1:*")
      // An IO worker's handles are made on its thread; their ports tell.
      if (ioThreads === 0) assert.equal(made, 3)
      for (const s of [d, r, g]) s.close()
      await Promise.all([d.finished, r.finished, g.finished])
      assert.equal(await portIsFree(portOf(d.lastEndpoint!)), true)
      // A closed handle is destroyed in the next close phase of the event loop.
      await new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
      assert.equal(live.size, 0)
    } finally {
      hook.disable()
    }
  })
})
