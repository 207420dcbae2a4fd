// CURVE, PLAIN and ZAP between omq and libzmq 4.3.5 (the `zeromq` package), in both
// directions: each library as server and as client, the server binding or connecting, under
// in-thread IO and an IO worker thread.
import { strict as assert } from "node:assert"
import { after, afterEach, describe, it } from "node:test"
import { z85Encode } from "@omq/transport"
import { Context, curveKeyPair, Publisher, Pull, Reply, Subscriber, ZmqError } from "omq"
import * as zmq from "zeromq"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"
import {
  type AnySocket,
  curveOptions,
  type Lib,
  nextEventOf,
  pairOf,
  ZapHandler,
} from "./helpers/security.js"
import { text } from "./helpers/spec.js"

const PAIRS: ReadonlyArray<[server: Lib, client: Lib]> = [
  ["omq", "omq"],
  ["omq", "zmq"],
  ["zmq", "omq"],
]

/** libzmq's handler lives in its one default context: one for the whole file. */
let zmqHandler: Promise<ZapHandler> | null = null
after(async () => (await zmqHandler)?.close())

forEachIoThreads("security", (ctx: Context, ioThreads: number) => {
  const sockets = new Sockets()
  let omqHandler: Promise<ZapHandler> | null = null
  afterEach(async () => {
    // Closed first: a refused client's retries would reach the next test's handler.
    await sockets.closeAll()
    ;(await omqHandler)?.reset()
    ;(await zmqHandler)?.reset()
  })
  after(async () => (await omqHandler)?.close())

  /** The ZAP handler in `lib` (this suite's context for omq), answering `status` from now on. */
  async function zapHandler(lib: Lib, status: string): Promise<ZapHandler> {
    const handler =
      lib === "omq"
        ? await (omqHandler ??= ZapHandler.bind("omq", ctx))
        : await (zmqHandler ??= ZapHandler.bind("zmq", ctx))
    handler.decide = () => status
    return handler
  }

  /** A socket in a context of its own, where no ZAP handler is bound. */
  const alone = new Context({ ioThreads })
  after(() => alone.closeSocketsAndTerminate())

  const pair = (lib: Lib, options: Record<string, unknown>): AnySocket =>
    sockets.add(pairOf(lib, ctx, options))

  /** Binds `binder` (over tcp unless told), and connects the other to it. */
  async function wire(binder: AnySocket, connecter: AnySocket, transport = "tcp"): Promise<void> {
    await binder.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : "ipc://*")
    connecter.connect(binder.lastEndpoint!)
  }

  async function roundTrip(server: AnySocket, client: AnySocket): Promise<void> {
    await client.send(["to the server", "two frames"])
    assert.deepEqual(text(await server.receive()), ["to the server", "two frames"])
    await server.send("to the client")
    assert.deepEqual(text(await client.receive()), ["to the client"])
  }

  for (const [serverLib, clientLib] of PAIRS) {
    describe(`${serverLib} server, ${clientLib} client`, () => {
      for (const transport of ["tcp", "ipc"]) {
        for (const serverBinds of [true, false]) {
          const binder = serverBinds ? "server" : "client"
          it(`CURVE carries messages both ways over ${transport} (${binder} binds)`, async () => {
            const keys = curveOptions()
            const server = pair(serverLib, keys.server)
            const client = pair(clientLib, keys.client)
            if (serverBinds) await wire(server, client, transport)
            else await wire(client, server, transport)
            await roundTrip(server, client)
          })
        }
      }

      it("CURVE carries subscriptions (boxed commands) from SUB to PUB", async () => {
        const keys = curveOptions()
        const common = { linger: 0, reconnectInterval: 50 }
        const pub =
          serverLib === "omq"
            ? new Publisher({ context: ctx, ...common, ...keys.server })
            : new zmq.Publisher({ ...common, ...keys.server })
        const sub =
          clientLib === "omq"
            ? new Subscriber({ context: ctx, ...common, ...keys.client })
            : new zmq.Subscriber({ ...common, ...keys.client })
        sockets.add(pub)
        sockets.add(sub)
        sub.subscribe("wanted")
        await pub.bind("tcp://127.0.0.1:*")
        sub.connect(pub.lastEndpoint!)
        // Until the subscription has crossed, the PUB drops: send until the first one arrives.
        const first = sub.receive()
        let arrived = false
        void first.then(() => {
          arrived = true
        })
        while (!arrived) {
          await pub.send(["unwanted", "x"])
          await pub.send(["wanted", "y"])
          await Promise.race([first, new Promise((resolve) => setTimeout(resolve, 10))])
        }
        assert.deepEqual(text(await first), ["wanted", "y"])
      })

      it("a CURVE client with the wrong server key gets no connection", async () => {
        const keys = curveOptions()
        const server = pair(serverLib, keys.server)
        const client = pair(clientLib, { ...keys.client, curveServerKey: curveKeyPair().publicKey })
        const serverFailed = nextEventOf(server, "handshake:error:protocol")
        const clientFailed = nextEventOf(
          client,
          clientLib === "omq" ? "handshake:error:other" : "disconnect",
        )
        await wire(server, client)
        const failure = await serverFailed
        assert.equal(failure.error?.code, "ERR_ZMTP_CRYPTOGRAPHIC")
        await clientFailed
      })

      it("PLAIN: the ZAP handler sees the credentials and lets the client in", async () => {
        const zap = await zapHandler(serverLib, "200")
        const server = pair(serverLib, { plainServer: true, zapDomain: "global" })
        const client = pair(clientLib, { plainUsername: "admin", plainPassword: "s3cret" })
        await wire(server, client)
        await roundTrip(server, client)
        const [request] = zap.seen
        assert.equal(request?.mechanism, "PLAIN")
        assert.equal(request?.domain, "global")
        assert.equal(request?.address, "127.0.0.1")
        assert.deepEqual(text(request!.credentials), ["admin", "s3cret"])
      })

      it("PLAIN: a refusal (400) reaches both sides as handshake:error:auth", async () => {
        await zapHandler(serverLib, "400")
        const server = pair(serverLib, { plainServer: true })
        const client = pair(clientLib, { plainUsername: "admin", plainPassword: "wrong" })
        const serverRefused = nextEventOf(server, "handshake:error:auth")
        const clientRefused = nextEventOf(client, "handshake:error:auth")
        await wire(server, client)
        assert.equal((await serverRefused).error?.status, 400)
        assert.equal((await clientRefused).error?.status, 400)
      })

      it("CURVE: the ZAP handler gets the client's public key and may refuse it", async () => {
        const keys = curveOptions()
        const zap = await zapHandler(serverLib, "400")
        const server = pair(serverLib, keys.server)
        const client = pair(clientLib, keys.client)
        const clientRefused = nextEventOf(client, "handshake:error:auth")
        await wire(server, client)
        assert.equal((await clientRefused).error?.status, 400)
        // A question still on its way from the last test's PLAIN server may come first.
        const request = zap.seen.find((r) => r.mechanism === "CURVE")
        assert.ok(request, "the handler was asked about the CURVE client")
        assert.equal(z85Encode(request.credentials[0]!), keys.clientPublicKey)
      })
    })
  }

  it("a PLAIN server without a ZAP handler refuses every client", async () => {
    const server = sockets.add(pairOf("omq", alone, { plainServer: true }))
    const client = sockets.add(pairOf("omq", alone, { plainUsername: "a", plainPassword: "b" }))
    const failed = nextEventOf(server, "handshake:error:other")
    await wire(server, client)
    assert.match((await failed).error!.detail ?? "", /no ZAP handler/)
  })

  it("CURVE with zapEnforceDomain and no handler refuses; without it accepts", async () => {
    const keys = curveOptions()
    const strict = sockets.add(
      pairOf("omq", alone, { ...keys.server, zapEnforceDomain: true, zapDomain: "x" }),
    )
    const refused = nextEventOf(strict, "handshake:error:other")
    await wire(strict, sockets.add(pairOf("omq", alone, keys.client)))
    assert.match((await refused).error!.detail ?? "", /no ZAP handler/)
    const lax = sockets.add(pairOf("omq", alone, keys.server))
    const client = sockets.add(pairOf("omq", alone, keys.client))
    await wire(lax, client)
    await roundTrip(lax, client)
  })

  it("ZAP is asked while a handler is bound, not before it binds or after it unbinds", async () => {
    const own = new Context({ ioThreads })
    const keys = curveOptions()
    /** One CURVE handshake in `own`: whether the server let the client in. */
    const handshake = async (): Promise<string> => {
      const server = sockets.add(pairOf("omq", own, keys.server))
      const client = sockets.add(pairOf("omq", own, keys.client))
      const outcome = Promise.race([
        nextEventOf(server, "handshake").then(() => "accepted"),
        nextEventOf(server, "handshake:error:auth").then(() => "refused"),
      ])
      await wire(server, client)
      return outcome
    }
    const rep = new Reply({ context: own, linger: 0 })
    let asked = 0
    try {
      assert.equal(await handshake(), "accepted")
      await rep.bind("inproc://zeromq.zap.01")
      void (async () => {
        for await (const [version, id] of rep) {
          asked++
          await rep.send([version!, id!, "400", "no", "", ""])
        }
      })().catch(() => {})
      assert.equal(await handshake(), "refused")
      assert.equal(asked, 1)
      await rep.unbind("inproc://zeromq.zap.01")
      assert.equal(await handshake(), "accepted")
      assert.equal(asked, 1)
    } finally {
      await sockets.closeAll()
      rep.close()
      await own.closeSocketsAndTerminate()
    }
  })

  it("a malformed ZAP reply fails the handshake with libzmq's ERR_ZAP_* code", async () => {
    const own = new Context({ ioThreads })
    const rep = new Reply({ context: own, linger: 0 })
    await rep.bind("inproc://zeromq.zap.01")
    const cases = [
      { reply: (id: Buffer) => ["2.0", id, "200", "", "", ""], code: "ERR_ZAP_BAD_VERSION" },
      {
        reply: (id: Buffer) => ["1.0", id, "201", "", "", ""],
        code: "ERR_ZAP_INVALID_STATUS_CODE",
      },
      // Too short to name its request: it still fails the handshake waiting for it.
      { reply: () => [null, null], code: "ERR_ZAP_MALFORMED_REPLY" },
    ]
    let current = cases[0]!
    void (async () => {
      for await (const [, id] of rep) await rep.send(current.reply(id!))
    })().catch(() => {})
    try {
      for (const c of cases) {
        current = c
        const server = sockets.add(pairOf("omq", own, { plainServer: true }))
        const client = sockets.add(pairOf("omq", own, { plainUsername: "a", plainPassword: "b" }))
        const failed = nextEventOf(server, "handshake:error:protocol")
        await wire(server, client)
        assert.equal((await failed).error?.code, c.code)
      }
    } finally {
      await sockets.closeAll()
      rep.close()
      await own.closeSocketsAndTerminate()
    }
  })

  it("bad keys and half-configured CURVE are EINVAL", async () => {
    assert.throws(() => new Pull({ context: ctx, curveSecretKey: "short" }), isEinval)
    assert.throws(() => new Pull({ context: ctx, curveServerKey: Buffer.alloc(31) }), isEinval)
    const pull = sockets.add(new Pull({ context: ctx, curveServer: true }))
    await assert.rejects(pull.bind("tcp://127.0.0.1:*"), isEinval)
    assert.equal(pull.securityMechanism, "curve")
  })
})

function isEinval(err: unknown): boolean {
  return err instanceof ZmqError && err.code === "EINVAL"
}
