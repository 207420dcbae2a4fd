// Security over ws: wss (TLS) between omq sockets, with a self-signed certificate that openssl
// makes at test time (no libzmq here has wss: it needs GnuTLS); CURVE and PLAIN over ws and wss
// between omq sockets; CURVE over ws against libzmq 4.3.5 (the `zeromq` package), each side
// as server and each side binding. The subprotocol names the mechanism (ZWS2.0/CURVE,
// ZWS2.0/PLAIN), so a client of another mechanism is refused at the upgrade.
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, afterEach, before, it } from "node:test"
import {
  type Context,
  type Event,
  type EventOfType,
  type EventType,
  Pull,
  Push,
  Reply,
  Request,
} from "omq"
import * as zmq from "zeromq"
import { assertFrames, forEachIoThreads, pattern, Sockets } from "./helpers/interop.js"
import { curveOptions, ZapHandler } from "./helpers/security.js"
import { text } from "./helpers/spec.js"

/** The name the test certificate is issued to (and the only one it carries). */
const CERT_NAME = "omq.test"

/**
 * A fresh self-signed certificate for CERT_NAME and its key (PEM), made by openssl: an EC key,
 * so it takes milliseconds. The certificate is its own CA, so a client trusts it with wssCa.
 */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "omq-wss-"))
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-days",
        "2",
        "-subj",
        `/CN=${CERT_NAME}`,
        "-addext",
        `subjectAltName=DNS:${CERT_NAME}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    )
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const { key, cert } = selfSignedCertificate()
/** What a wss server needs, and a client that trusts it (dialling 127.0.0.1, hence the name). */
const WSS_SERVER = { wssKey: key, wssCert: cert }
const WSS_CLIENT = { wssCa: cert, wssServername: CERT_NAME }

type Transport = "ws" | "wss"
const bindAddress = (t: Transport): string => `${t}://127.0.0.1:*/secure`
const serverTls = (t: Transport) => (t === "wss" ? WSS_SERVER : {})
const clientTls = (t: Transport) => (t === "wss" ? WSS_CLIENT : {})

/** The resolved endpoint of a socket just bound to `transport`. */
function endpointOf(socket: { readonly lastEndpoint: string | null }, t: Transport): string {
  const endpoint = socket.lastEndpoint
  assert.ok(endpoint !== null)
  assert.match(endpoint, new RegExp(`^${t}://127\\.0\\.0\\.1:[1-9]\\d*/secure$`))
  return endpoint
}

/** An omq socket's events as they come, and a wait for the next of a type. */
function watch(socket: {
  readonly events: { on(type: EventType, l: (e: Event) => void): unknown }
}) {
  const seen: Event[] = []
  const waiting: Array<{ type: EventType; resolve: (e: Event) => void }> = []
  const types: EventType[] = [
    "accept",
    "connect",
    "connect:retry",
    "disconnect",
    "handshake",
    "handshake:error:protocol",
    "handshake:error:auth",
    "handshake:error:other",
  ]
  for (const type of types) {
    socket.events.on(type, (e) => {
      seen.push(e)
      for (const w of waiting.filter((w) => w.type === e.type)) {
        waiting.splice(waiting.indexOf(w), 1)
        w.resolve(e)
      }
    })
  }
  return {
    types: () => seen.map((e) => e.type),
    /** The `n`th event of `type` (from 1), counting those already seen. */
    nth<E extends EventType>(type: E, n = 1): Promise<EventOfType<E>> {
      const all = seen.filter((e) => e.type === type)
      if (all.length >= n) return Promise.resolve(all[n - 1] as EventOfType<E>)
      return new Promise((resolve) => {
        const again = (): void => {
          waiting.push({
            type,
            resolve: (e) =>
              seen.filter((x) => x.type === type).length >= n
                ? resolve(e as EventOfType<E>)
                : again(),
          })
        }
        again()
      })
    },
  }
}

/** A few REQ→REP round trips, the last with a 64 KiB + 1 frame each way. */
async function roundTrips(req: Request | zmq.Request, rep: Reply | zmq.Reply): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await req.send(["q", `${i}`])
    assert.deepEqual(text(await rep.receive()), ["q", `${i}`])
    await rep.send(["a", `${i}`])
    assert.deepEqual(text(await req.receive()), ["a", `${i}`])
  }
  // Fresh copies go out: zeromq.js lends large Buffers to libzmq, whose ws engine masks in place.
  const big = (): Buffer[] => [Buffer.from("big"), pattern(65_537, 3)]
  await req.send(big())
  assertFrames(await rep.receive(), big(), "big request")
  await rep.send(big())
  assertFrames(await req.receive(), big(), "big reply")
}

forEachIoThreads("wss between omq sockets", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  it("a client trusting the certificate (wssCa, wssServername) talks to a wss server", async () => {
    const rep = sockets.add(new Reply({ ...opts, ...WSS_SERVER }))
    await rep.bind(bindAddress("wss"))
    const req = sockets.add(new Request({ ...opts, ...WSS_CLIENT }))
    req.connect(endpointOf(rep, "wss"))
    await roundTrips(req, rep)
  })

  it("a client with wssRejectUnauthorized false connects without a CA", async () => {
    const pull = sockets.add(new Pull({ ...opts, ...WSS_SERVER }))
    await pull.bind(bindAddress("wss"))
    const push = sockets.add(new Push({ ...opts, wssRejectUnauthorized: false }))
    push.connect(endpointOf(pull, "wss"))
    await push.send(["unverified", "but encrypted"])
    assert.deepEqual(text(await pull.receive()), ["unverified", "but encrypted"])
  })

  const untrusting: Array<{ name: string; options: Record<string, unknown> }> = [
    { name: "no CA (the system's trust store)", options: {} },
    { name: "the CA, but the certificate names another host", options: { wssCa: cert } },
  ]
  for (const client of untrusting) {
    it(`a client with ${client.name} never connects, and keeps retrying`, async () => {
      const pull = sockets.add(new Pull({ ...opts, ...WSS_SERVER }))
      const server = watch(pull)
      await pull.bind(bindAddress("wss"))
      const push = sockets.add(new Push({ ...opts, ...client.options }))
      const events = watch(push)
      push.connect(endpointOf(pull, "wss"))
      await events.nth("connect:retry", 3)
      assert.ok(!events.types().includes("connect"), `client events: ${events.types()}`)
      assert.ok(!events.types().includes("handshake"), `client events: ${events.types()}`)
      assert.deepEqual(server.types(), [], "the server accepted nobody")
    })
  }

  it("binding wss without wssKey and wssCert fails with EINVAL", async () => {
    const pull = sockets.add(new Pull({ ...opts, wssCert: cert }))
    await assert.rejects(pull.bind(bindAddress("wss")), { code: "EINVAL" })
  })
})

forEachIoThreads("CURVE and PLAIN over ws and wss between omq sockets", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  let zap: ZapHandler
  before(async () => {
    zap = await ZapHandler.bind("omq", ctx)
  })
  after(() => zap.close())
  afterEach(() => zap.reset())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }

  for (const t of ["ws", "wss"] as const) {
    /**
     * A REP server with `server` options, bound; a REQ client with `client` options, connected;
     * the events of each, watched from the start.
     */
    async function pair(server: Record<string, unknown>, client: Record<string, unknown>) {
      const rep = sockets.add(new Reply({ ...opts, ...serverTls(t), ...server }))
      const repEvents = watch(rep)
      await rep.bind(bindAddress(t))
      const req = sockets.add(new Request({ ...opts, ...clientTls(t), ...client }))
      const reqEvents = watch(req)
      req.connect(endpointOf(rep, t))
      return { rep, req, repEvents, reqEvents }
    }

    it(`CURVE over ${t}: round trips, a 64 KiB + 1 frame too`, async () => {
      const keys = curveOptions()
      const { rep, req } = await pair(keys.server, keys.client)
      await roundTrips(req, rep)
    })

    it(`CURVE over ${t}: a message of maxMessageSize arrives, one byte more drops the client`, async () => {
      const keys = curveOptions()
      const { rep, req, repEvents } = await pair(
        { ...keys.server, maxMessageSize: 1000 },
        keys.client,
      )
      await req.send("x".repeat(1000))
      assert.equal(text(await rep.receive())[0]!.length, 1000)
      await rep.send("ok")
      assert.deepEqual(text(await req.receive()), ["ok"])
      await req.send("x".repeat(1001))
      await repEvents.nth("disconnect")
    })

    it(`CURVE over ${t}: a client with the wrong server key never gets through`, async () => {
      const keys = curveOptions()
      const other = curveOptions()
      const { rep, req, repEvents, reqEvents } = await pair(keys.server, {
        ...keys.client,
        curveServerKey: other.client.curveServerKey,
      })
      await req.send("hello?")
      await repEvents.nth("handshake:error:protocol")
      assert.ok(!reqEvents.types().includes("handshake"), `client events: ${reqEvents.types()}`)
      rep.receiveTimeout = 0
      await assert.rejects(rep.receive(), { code: "EAGAIN" })
    })

    it(`PLAIN over ${t}: the ZAP handler sees the credentials and lets the client in`, async () => {
      const { rep, req } = await pair(
        { plainServer: true, zapDomain: "ws-domain" },
        { plainUsername: "admin", plainPassword: "s3cret" },
      )
      await roundTrips(req, rep)
      const [request] = zap.seen
      assert.equal(request?.mechanism, "PLAIN")
      assert.equal(request?.domain, "ws-domain")
      assert.equal(request?.address, "127.0.0.1")
      assert.deepEqual(text(request?.credentials ?? []), ["admin", "s3cret"])
    })

    it(`PLAIN over ${t}: a refusal (400) reaches the client as handshake:error:auth`, async () => {
      zap.decide = () => "400"
      const { reqEvents } = await pair(
        { plainServer: true },
        { plainUsername: "admin", plainPassword: "wrong" },
      )
      const refused = await reqEvents.nth("handshake:error:auth")
      assert.equal(refused.error.status, 400)
      assert.ok(!reqEvents.types().includes("handshake"))
    })

    for (const [name, client] of [
      ["a NULL client", {}],
      ["a PLAIN client", { plainUsername: "a", plainPassword: "b" }],
    ] as const) {
      it(`${name} is refused at the upgrade by a CURVE server over ${t}, and retries`, async () => {
        const keys = curveOptions()
        const { repEvents, reqEvents } = await pair(keys.server, client)
        await reqEvents.nth("connect:retry", 2)
        assert.ok(!reqEvents.types().includes("connect"), `client events: ${reqEvents.types()}`)
        assert.deepEqual(repEvents.types(), [], "the server accepted nobody")
      })
    }
  }
})

forEachIoThreads("CURVE over ws with libzmq 4.3.5", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())
  const opts = { context: ctx, linger: 0, reconnectInterval: 20 }
  const zopts = { linger: 0, reconnectInterval: 20 }

  for (const binder of ["server", "client"] as const) {
    it(`an omq CURVE server and a libzmq client (the ${binder} binds)`, async () => {
      const keys = curveOptions()
      const rep = sockets.add(new Reply({ ...opts, ...keys.server }))
      const req = sockets.add(new zmq.Request({ ...zopts, ...keys.client }))
      if (binder === "server") {
        await rep.bind("ws://127.0.0.1:*/curve")
        req.connect(rep.lastEndpoint!)
      } else {
        await req.bind("ws://127.0.0.1:*/curve")
        rep.connect(req.lastEndpoint!)
      }
      await roundTrips(req, rep)
    })

    it(`a libzmq CURVE server and an omq client (the ${binder} binds)`, async () => {
      const keys = curveOptions()
      const rep = sockets.add(new zmq.Reply({ ...zopts, ...keys.server }))
      const req = sockets.add(new Request({ ...opts, ...keys.client }))
      if (binder === "server") {
        await rep.bind("ws://127.0.0.1:*/curve")
        req.connect(rep.lastEndpoint!)
      } else {
        await req.bind("ws://127.0.0.1:*/curve")
        rep.connect(req.lastEndpoint!)
      }
      await roundTrips(req, rep)
    })
  }
})
