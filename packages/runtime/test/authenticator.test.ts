// The Authenticator (a zauth-like ZAP handler): addresses, PLAIN passwords, CURVE keys and
// certificate directories, toward omq and libzmq clients.
import { strict as assert } from "node:assert"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, afterEach, it } from "node:test"
import {
  type AuthDecision,
  Authenticator,
  type AuthenticatorOptions,
  type Context,
  curveKeyPair,
  writeCertificate,
} from "omq"
import { forEachIoThreads, Sockets } from "./helpers/interop.js"
import { type AnySocket, curveOptions, type Lib, nextEventOf, pairOf } from "./helpers/security.js"
import { text } from "./helpers/spec.js"

const dir = mkdtempSync(join(tmpdir(), "omq-auth-"))
after(() => rmSync(dir, { recursive: true, force: true }))

forEachIoThreads("Authenticator", (ctx: Context) => {
  const sockets = new Sockets()
  let auth: Authenticator | null = null
  afterEach(async () => {
    await auth?.close()
    auth = null
    await sockets.closeAll()
  })

  async function start(options: Omit<AuthenticatorOptions, "context">): Promise<AuthDecision[]> {
    auth = await Authenticator.start({ context: ctx, ...options })
    const decisions: AuthDecision[] = []
    auth.onDecision = (d) => decisions.push(d)
    return decisions
  }

  /** A server (omq) and a client (`lib`); resolves "in" after a round trip or "refused". */
  async function attempt(
    server: Record<string, unknown>,
    client: Record<string, unknown>,
    lib: Lib = "omq",
  ): Promise<"in" | "refused"> {
    const s: AnySocket = sockets.add(pairOf("omq", ctx, server))
    const c: AnySocket = sockets.add(pairOf(lib, ctx, client))
    await s.bind("tcp://127.0.0.1:*")
    const refused = nextEventOf(s, "handshake:error:auth").then(() => "refused" as const)
    const up = nextEventOf(s, "handshake").then(async () => {
      await c.send("hi")
      assert.deepEqual(text(await s.receive()), ["hi"])
      return "in" as const
    })
    c.connect(s.lastEndpoint!)
    return Promise.race([refused, up])
  }

  for (const lib of ["omq", "zmq"] as const) {
    it(`PLAIN: right password in, wrong one refused (${lib} client)`, async () => {
      const decisions = await start({ passwords: { alice: "wonderland" } })
      const server = { plainServer: true }
      assert.equal(
        await attempt(server, { plainUsername: "alice", plainPassword: "wonderland" }, lib),
        "in",
      )
      assert.equal(
        await attempt(server, { plainUsername: "alice", plainPassword: "guess" }, lib),
        "refused",
      )
      assert.deepEqual(
        decisions.map((d) => [d.allowed, d.userId, d.reason]),
        [
          [true, "alice", "password"],
          [false, "", "bad username or password"],
        ],
      )
      assert.ok(!JSON.stringify(decisions).includes("wonderland"), "no password in decisions")
    })

    it(`CURVE: an allowed key in, another refused (${lib} client)`, async () => {
      const allowed = curveOptions()
      const stranger = curveKeyPair()
      await start({ curveKeys: [allowed.clientPublicKey] })
      assert.equal(await attempt(allowed.server, allowed.client, lib), "in")
      const other = {
        ...allowed.client,
        curvePublicKey: stranger.publicKey,
        curveSecretKey: stranger.secretKey,
      }
      assert.equal(await attempt(allowed.server, other, lib), "refused")
    })
  }

  it("CURVE: any key, or the keys of a certificate directory", async () => {
    const keys = curveOptions()
    await start({ curveKeys: "any" })
    assert.equal(await attempt(keys.server, keys.client), "in")
    await auth!.close()
    const certs = mkdtempSync(join(dir, "certs-"))
    const client = keys.client as { curvePublicKey: string; curveSecretKey: string }
    await writeCertificate(join(certs, "client.cert"), {
      publicKey: client.curvePublicKey,
      secretKey: client.curveSecretKey,
    })
    const decisions = await start({ certificates: certs })
    assert.equal(await attempt(keys.server, keys.client), "in")
    assert.equal(decisions[0]?.userId, client.curvePublicKey)
  })

  it("addresses: a denied address is refused, and an allow list shuts out the rest", async () => {
    await start({ deny: ["127.0.0.1"], passwords: { a: "b" } })
    const plain = [{ plainServer: true }, { plainUsername: "a", plainPassword: "b" }] as const
    assert.equal(await attempt(...plain), "refused")
    await auth!.close()
    await start({ allow: ["10.9.9.9"], passwords: { a: "b" } })
    assert.equal(await attempt(...plain), "refused")
    await auth!.close()
    await start({ allow: ["127.0.0.1"], passwords: { a: "b" } })
    assert.equal(await attempt(...plain), "in")
  })

  it("NULL with a zapDomain passes unless the address is denied", async () => {
    await start({})
    assert.equal(await attempt({ zapDomain: "d" }, {}), "in")
    await auth!.close()
    await start({ deny: ["127.0.0.1"] })
    assert.equal(await attempt({ zapDomain: "d" }, {}), "refused")
  })
})
