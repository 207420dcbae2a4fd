// CURVE, PLAIN and ZAP between omq and libzmq 4.3.5 (the `zeromq` package), in both
// directions: each library as server and as client, the server binding or connecting, under
// in-thread IO and an IO worker thread.
import { strict as assert } from "node:assert"
import { afterEach, describe, it } from "node:test"
import { z85Encode } from "@omq/transport"
import { type Context, curveKeyPair, Pull, ZmqError } from "omq"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"
import {
  type AnySocket,
  curveOptions,
  type Lib,
  nextEventOf,
  pairOf,
  zapHandler,
} from "./helpers/security.js"
import { text } from "./helpers/spec.js"

const PAIRS: ReadonlyArray<[server: Lib, client: Lib]> = [
  ["omq", "omq"],
  ["omq", "zmq"],
  ["zmq", "omq"],
]

forEachIoThreads("security", (ctx: Context) => {
  const sockets = new Sockets()
  const handlers: Array<() => void> = []
  afterEach(async () => {
    for (const close of handlers.splice(0)) close()
    await sockets.closeAll()
  })

  const pair = (lib: Lib, options: Record<string, unknown>): AnySocket =>
    sockets.add(pairOf(lib, ctx, options))

  /** Binds `binder`, connects the other, and returns both. */
  async function wire(binder: AnySocket, connecter: AnySocket): Promise<void> {
    await binder.bind("tcp://127.0.0.1:*")
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
      for (const serverBinds of [true, false]) {
        it(`CURVE carries messages both ways (${serverBinds ? "server" : "client"} binds)`, async () => {
          const keys = curveOptions()
          const server = pair(serverLib, keys.server)
          const client = pair(clientLib, keys.client)
          if (serverBinds) await wire(server, client)
          else await wire(client, server)
          await roundTrip(server, client)
        })
      }

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
        const zap = await zapHandler(serverLib, ctx, () => "200")
        handlers.push(zap.close)
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
        const zap = await zapHandler(serverLib, ctx, () => "400")
        handlers.push(zap.close)
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
        const zap = await zapHandler(serverLib, ctx, () => "400")
        handlers.push(zap.close)
        const server = pair(serverLib, keys.server)
        const client = pair(clientLib, keys.client)
        const clientRefused = nextEventOf(client, "handshake:error:auth")
        await wire(server, client)
        assert.equal((await clientRefused).error?.status, 400)
        const [request] = zap.seen
        assert.equal(request?.mechanism, "CURVE")
        assert.equal(z85Encode(request!.credentials[0]!), keys.clientPublicKey)
      })
    })
  }

  it("a PLAIN server without a ZAP handler refuses every client", async () => {
    const server = pair("omq", { plainServer: true })
    const client = pair("omq", { plainUsername: "a", plainPassword: "b" })
    const failed = nextEventOf(server, "handshake:error:other")
    await wire(server, client)
    assert.match((await failed).error!.message, /no ZAP handler/)
  })

  it("CURVE with zapEnforceDomain and no handler refuses; without it accepts", async () => {
    const keys = curveOptions()
    const strict = pair("omq", { ...keys.server, zapEnforceDomain: true, zapDomain: "x" })
    const refused = nextEventOf(strict, "handshake:error:other")
    await wire(strict, pair("omq", keys.client))
    assert.match((await refused).error!.message, /no ZAP handler/)
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
