// A CURVE connection whose handshake ends before libsodium has loaded on its thread becomes
// ready only once it has (HandshakePhase#awaitSodium): its first messages are then sealed by
// libsodium, not by tweetnacl. Its own file: nothing else may have loaded libsodium first.
import { strict as assert } from "node:assert"
import { once } from "node:events"
import { createServer, type Socket, connect as tcpConnect } from "node:net"
import { it } from "node:test"
import {
  type EngineConfig,
  type EngineHandler,
  type Security,
  StreamCarrier,
  ZmtpEngine,
} from "../src/mod.js"
import { curveKeyPairBytes, secretboxLibrary } from "../src/zmtp/mod.js"

function config(security: Security, socketType: "PUSH" | "PULL"): EngineConfig {
  return {
    socketType,
    routingId: undefined,
    maxMessageSize: -1,
    handshakeInterval: 0,
    streamFrom: Number.POSITIVE_INFINITY,
    properties: [],
    security,
    heartbeat: { interval: 0, timeToLive: 0, timeout: -1 },
  }
}

/** A handler that calls back when the engine is ready and for each message; no ZAP handler. */
function handler(
  onReady: () => void,
  onMessage: (frames: Uint8Array[]) => void,
  engine: () => ZmtpEngine,
): EngineHandler {
  return {
    ready: onReady,
    message: onMessage,
    frameStart: () => assert.fail("no large frames here"),
    frameData: () => assert.fail("no large frames here"),
    frameTarget: () => null,
    frameFilled: () => {},
    subscription: () => {},
    drain: () => {},
    authenticate: () => engine().zapAnswer(null), // as a host with no ZAP handler answers
    closed: () => {},
  }
}

it("holds a CURVE connection's readiness until libsodium has loaded on its thread", async () => {
  assert.equal(secretboxLibrary(), "tweetnacl", "libsodium must not be loaded yet")
  const server = curveKeyPairBytes() // starts loading libsodium, as a socket's bind() does
  const client = curveKeyPairBytes()
  const listener = createServer({ pauseOnConnect: false })
  listener.listen(0, "127.0.0.1")
  await once(listener, "listening")
  const { port } = listener.address() as { port: number }
  const accepted = once(listener, "connection") as Promise<[Socket]>
  const dialed = tcpConnect(port, "127.0.0.1")
  const [serverSide] = await accepted

  const libraryAtReady: string[] = []
  const received: Uint8Array[][] = []
  let pushReady = (): void => {}
  const pushIsReady = new Promise<void>((resolve) => (pushReady = resolve))
  let gotAll = (): void => {}
  const allReceived = new Promise<void>((resolve) => (gotAll = resolve))

  const pull: ZmtpEngine = new ZmtpEngine(
    new StreamCarrier(serverSide),
    config(
      {
        mechanism: "CURVE",
        server: true,
        secretKey: server.secretKey,
        zap: { domain: false, enforce: false },
      },
      "PULL",
    ),
    handler(
      () => libraryAtReady.push(secretboxLibrary()),
      (frames) => {
        received.push(frames.map((f) => Uint8Array.from(f)))
        if (received.length === 3) gotAll()
      },
      (): ZmtpEngine => pull,
    ),
  )
  const push: ZmtpEngine = new ZmtpEngine(
    new StreamCarrier(dialed),
    config(
      {
        mechanism: "CURVE",
        server: false,
        serverKey: server.publicKey,
        publicKey: client.publicKey,
        secretKey: client.secretKey,
      },
      "PUSH",
    ),
    handler(
      () => {
        libraryAtReady.push(secretboxLibrary())
        pushReady()
      },
      () => assert.fail("a PULL sends nothing"),
      (): ZmtpEngine => push,
    ),
  )
  await pushIsReady
  for (const n of [1, 2, 3]) push.writeFrame(new Uint8Array(100).fill(n), false, false)
  push.flush()
  await allReceived
  assert.deepEqual(libraryAtReady, ["libsodium", "libsodium"])
  assert.deepEqual(
    received,
    [1, 2, 3].map((n) => [new Uint8Array(100).fill(n)]),
  )
  push.destroy()
  pull.destroy()
  listener.close()
})
