// A PULL that is being fed by a well-behaved PUSH must shrug off hostile raw TCP clients: each
// one is disconnected by omq, nothing it sends reaches receive(), and the good peer keeps working.
import { strict as assert } from "node:assert"
import { type Socket as NetSocket, connect as netConnect } from "node:net"
import { after, before, describe, it } from "node:test"
import { Context, Pull, Push, ZmqError } from "omq"
import * as zmq from "zeromq"
import { frame, greeting, ready } from "./helpers/raw-peer.js"

/** A LONG frame header claiming `size` bytes, with only `bodyBytes` following. */
function longHeader(size: number, bodyBytes: Buffer): Buffer {
  const h = Buffer.alloc(9)
  h[0] = 0x02
  h.writeBigUInt64BE(BigInt(size), 1)
  return Buffer.concat([h, bodyBytes])
}

const CLOSE_BOUND_MS = 5000

/**
 * Connects a raw TCP client, writes `payload` once connected, and resolves when the server has
 * closed the connection (or rejects if it is still open after CLOSE_BOUND_MS).
 */
async function hostile(endpoint: string, payload: Buffer): Promise<{ received: number }> {
  const url = new URL(endpoint.replace(/^tcp:/, "http:"))
  const sock: NetSocket = netConnect({ host: url.hostname, port: Number(url.port) })
  let received = 0
  sock.on("data", (chunk: Buffer) => {
    received += chunk.length
  })
  sock.on("error", () => {
    // ECONNRESET when omq destroys the connection: that is the expected outcome.
  })
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve)
    sock.once("error", reject)
  })
  const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()))
  sock.write(payload)
  let timer: ReturnType<typeof setTimeout> | undefined
  const bound = new Promise<"open">((resolve) => {
    timer = setTimeout(() => resolve("open"), CLOSE_BOUND_MS)
  })
  const outcome = await Promise.race([closed.then(() => "closed" as const), bound])
  clearTimeout(timer)
  if (outcome === "open") {
    sock.destroy()
    await closed
    assert.fail(`omq kept the hostile connection open for ${CLOSE_BOUND_MS} ms`)
  }
  return { received }
}

interface Case {
  name: string
  payload: () => Buffer
}

const EVIL = Buffer.from("evil-message")

const CASES: Case[] = [
  {
    name: "garbage bytes",
    payload: () => Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\n\r\n${"z".repeat(200)}`),
  },
  {
    name: "bad greeting (signature byte 0 is not 0xFF)",
    payload: () => {
      const g = greeting()
      g[0] = 0x00
      return Buffer.concat([g, ready("PUSH"), frame(0, EVIL)])
    },
  },
  {
    name: "valid greeting + READY Socket-Type SUB (incompatible with PULL)",
    payload: () => Buffer.concat([greeting(), ready("SUB"), frame(0, EVIL)]),
  },
  {
    name: "valid greeting + READY PUSH + frame larger than maxMessageSize",
    payload: () =>
      Buffer.concat([greeting(), ready("PUSH"), longHeader(1 << 20, Buffer.alloc(4096, 0x65))]),
  },
  {
    name: "valid greeting + READY PUSH + a complete frame of maxMessageSize + 1 bytes",
    payload: () =>
      Buffer.concat([
        greeting(),
        ready("PUSH"),
        frame(0, Buffer.alloc(1025, 0x65)),
        frame(0, EVIL),
      ]),
  },
  {
    name: "a message of more frames than one may hold (65,537 empty MORE frames)",
    payload: () =>
      Buffer.concat([greeting(), ready("PUSH"), Buffer.alloc(2 * 65_537, Buffer.from([0x01, 0]))]),
  },
  {
    name: "a command frame announcing 4 GB before the handshake completes",
    payload: () => {
      const header = Buffer.alloc(9)
      header[0] = 0x06 // LONG | COMMAND
      header.writeBigUInt64BE(4n << 30n, 1)
      return Buffer.concat([greeting(), header, Buffer.alloc(64)])
    },
  },
  {
    name: "message frame before READY",
    payload: () => Buffer.concat([greeting(), frame(0, EVIL)]),
  },
  {
    name: "valid READY PUSH + a multipart message cut off by a malformed frame",
    // MORE frame then a second frame header with a reserved-flags garbage size beyond the limit:
    // the first part must never surface on its own.
    payload: () =>
      Buffer.concat([
        greeting(),
        ready("PUSH"),
        frame(0x01, EVIL),
        longHeader(1 << 20, Buffer.alloc(16)),
      ]),
  },
]

const text = (frames: Buffer[]) => frames.map((f) => f.toString()).join("|")

async function expectNothingMore(pull: Pull): Promise<void> {
  const previous = pull.receiveTimeout
  pull.receiveTimeout = 150
  try {
    await assert.rejects(
      pull.receive().then((frames) => {
        throw new Error(`unexpected message: ${text(frames)}`)
      }),
      (err: unknown) => err instanceof ZmqError && err.code === "EAGAIN",
    )
  } finally {
    pull.receiveTimeout = previous
  }
}

for (const ioThreads of [0, 1]) {
  describe(`bad peers against a PULL (ioThreads ${ioThreads})`, () => {
    let ctx: Context
    let pull: Pull
    let push: Push
    let endpoint: string
    let seq = 0

    before(async () => {
      ctx = new Context({ ioThreads })
      pull = new Pull({ context: ctx, maxMessageSize: 1024, linger: 0 })
      await pull.bind("tcp://127.0.0.1:*")
      endpoint = pull.lastEndpoint!
      push = new Push({ context: ctx, linger: 0 })
      push.connect(endpoint)
      await push.send(`good-${seq}`)
      assert.equal(text(await pull.receive()), `good-${seq}`)
      seq++
    })

    after(async () => {
      push.close()
      pull.close()
      await ctx.closeSocketsAndTerminate()
    })

    for (const c of CASES) {
      it(`disconnects: ${c.name}`, async () => {
        // The good peer is delivering while the hostile client misbehaves.
        const during = push.send(`good-${seq}`)
        const { received } = await hostile(endpoint, c.payload())
        await during
        assert.equal(text(await pull.receive()), `good-${seq}`)
        seq++
        // ...and keeps delivering afterwards.
        for (let i = 0; i < 3; i++) {
          await push.send([`good-${seq}`, "part-2"])
          assert.equal(text(await pull.receive()), `good-${seq}|part-2`)
          seq++
        }
        await expectNothingMore(pull)
        // omq greets whoever connects before judging them; the hostile side saw at most a
        // greeting and a READY, never more than a few hundred bytes.
        assert.ok(received < 1024, `hostile client was sent ${received} bytes`)
      })
    }

    it("with no maxMessageSize, a 4 GB frame announced before the handshake still drops the peer at once", async () => {
      const open = new Pull({ context: ctx, linger: 0 })
      try {
        await open.bind("tcp://127.0.0.1:*")
        const before = process.memoryUsage().rss
        const header = Buffer.alloc(9)
        header[0] = 0x06 // LONG | COMMAND
        header.writeBigUInt64BE(4n << 30n, 1)
        await hostile(open.lastEndpoint!, Buffer.concat([greeting(), header, Buffer.alloc(64)]))
        const grown = process.memoryUsage().rss - before
        assert.ok(grown < 64 * 1024 * 1024, `rss grew by ${grown} bytes`)
      } finally {
        open.close()
      }
    })

    it("a client that never finishes its handshake is dropped after handshakeInterval", async () => {
      const strict = new Pull({ context: ctx, linger: 0, handshakeInterval: 200 })
      try {
        await strict.bind("tcp://127.0.0.1:*")
        const failed = new Promise<string>((resolve) =>
          strict.events.on("handshake:error:other", (e) => resolve(e.error.code)),
        )
        const started = Date.now()
        await hostile(strict.lastEndpoint!, greeting()) // a greeting, then silence
        assert.ok(Date.now() - started >= 150, "dropped at the interval, not before")
        assert.equal(await failed, "EAGAIN")
      } finally {
        strict.close()
      }
    })

    it("still accepts a well-behaved raw peer after all that", async () => {
      const good = Buffer.from("raw-good")
      const url = new URL(endpoint.replace(/^tcp:/, "http:"))
      const sock = netConnect({ host: url.hostname, port: Number(url.port) })
      sock.on("error", () => {})
      sock.resume()
      await new Promise<void>((resolve) => sock.once("connect", resolve))
      sock.write(Buffer.concat([greeting(), ready("PUSH"), frame(0, good)]))
      assert.equal(text(await pull.receive()), "raw-good")
      const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()))
      sock.end()
      await closed
      await push.send(`good-${seq}`)
      assert.equal(text(await pull.receive()), `good-${seq}`)
      seq++
    })
  })
}

describe("bad peers while a zeromq.js PUSH delivers", () => {
  for (const ioThreads of [0, 1]) {
    it(`PULL keeps receiving from libzmq across every hostile client (ioThreads ${ioThreads})`, async () => {
      const ctx = new Context({ ioThreads })
      const pull = new Pull({ context: ctx, maxMessageSize: 1024, linger: 0 })
      const push = new zmq.Push({ linger: 0 })
      try {
        await pull.bind("tcp://127.0.0.1:*")
        const endpoint = pull.lastEndpoint!
        push.connect(endpoint)
        let seq = 0
        await push.send(`z-${seq}`)
        assert.equal(text(await pull.receive()), `z-${seq++}`)
        for (const c of CASES) {
          await hostile(endpoint, c.payload())
          await push.send([`z-${seq}`, "tail"])
          assert.equal(text(await pull.receive()), `z-${seq++}|tail`, `after ${c.name}`)
        }
        await expectNothingMore(pull)
      } finally {
        push.close()
        pull.close()
        await ctx.closeSocketsAndTerminate()
      }
    })
  }
})
