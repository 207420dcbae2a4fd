// A CURVE connection that closes while it waits for libsodium (HandshakePhase#awaitSodium) leaves
// no timer behind: the wait's timer would otherwise keep the event loop alive for up to 100 ms
// after the close. Its own file: nothing else may have loaded libsodium first.
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

/** A handler with no ZAP handler behind it; `onReady` when the engine is ready. */
function handler(engine: () => ZmtpEngine, onReady: () => void = () => {}): EngineHandler {
  return {
    ready: onReady,
    message: () => {},
    frameStart: () => {},
    frameData: () => {},
    frameTarget: () => null,
    frameFilled: () => {},
    subscription: () => {},
    drain: () => {},
    authenticate: () => engine().zapAnswer(null),
    closed: () => {},
  }
}

/** The timers now pending on this thread. */
function timers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "Timeout").length
}

it("clears the libsodium wait's timer when the connection closes during the wait", async () => {
  assert.equal(secretboxLibrary(), "tweetnacl", "libsodium must not be loaded yet")
  const server = curveKeyPairBytes() // starts loading libsodium, as a socket's bind() does
  const client = curveKeyPairBytes()
  const listener = createServer()
  listener.listen(0, "127.0.0.1")
  await once(listener, "listening")
  const { port } = listener.address() as { port: number }
  const accepted = once(listener, "connection") as Promise<[Socket]>
  const dialed = tcpConnect(port, "127.0.0.1")
  const [serverSide] = await accepted
  const before = timers()

  // The PULL's carrier pauses when its handshake ends before libsodium has loaded (no ZAP
  // handler pauses it before that): both connections close right after, still waiting.
  let pauses = 0
  let closedWhileWaiting = (): void => {}
  const done = new Promise<void>((resolve) => (closedWhileWaiting = resolve))
  const carrier = new StreamCarrier(serverSide)
  const pause = carrier.pause.bind(carrier)
  carrier.pause = () => {
    pause()
    if (pauses++ > 0) return
    queueMicrotask(() => {
      pull.destroy()
      push.destroy()
      closedWhileWaiting()
    })
  }
  let readyBeforeClose = false
  const pull: ZmtpEngine = new ZmtpEngine(
    carrier,
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
      () => pull,
      () => {
        readyBeforeClose = true // no wait happened: the assertion below says so
        closedWhileWaiting()
      },
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
    handler(() => push),
  )
  try {
    await done
    assert.equal(readyBeforeClose, false, "the handshake ended before libsodium had loaded")
    assert.equal(timers(), before, "no timer outlives the closed connections")
  } finally {
    listener.close()
  }
})
