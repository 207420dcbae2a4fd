import { strict as assert } from "node:assert"
import { once } from "node:events"
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net"
import type { EngineConfig, EngineHandler, Security, ZmtpEngine } from "../../src/mod.js"
import { curveKeyPairBytes } from "../../src/zmtp/mod.js"

/**
 * What the libsodium-wait tests share: a CURVE server and client over one real tcp connection,
 * each a bare ZmtpEngine with a handler that stands for a host with no ZAP handler.
 */

export function engineConfig(security: Security, socketType: "PUSH" | "PULL"): EngineConfig {
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

/** Calls back when the engine is ready and for each message; no large frames expected. */
export function engineHandler(
  engine: () => ZmtpEngine,
  onReady: () => void = () => {},
  onMessage: (frames: Uint8Array[]) => void = () => {},
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

/** CURVE options for both ends, with new keys (making them starts loading libsodium). */
export function curveSecurities(): { server: Security; client: Security } {
  const server = curveKeyPairBytes()
  const client = curveKeyPairBytes()
  return {
    server: {
      mechanism: "CURVE",
      server: true,
      secretKey: server.secretKey,
      zap: { domain: false, enforce: false },
    },
    client: {
      mechanism: "CURVE",
      server: false,
      serverKey: server.publicKey,
      publicKey: client.publicKey,
      secretKey: client.secretKey,
    },
  }
}

/** One tcp connection on loopback: the accepted end, the dialed end, and the listener. */
export async function tcpPair(): Promise<{ listener: Server; accepted: Socket; dialed: Socket }> {
  const listener = createServer()
  listener.listen(0, "127.0.0.1")
  await once(listener, "listening")
  const { port } = listener.address() as { port: number }
  const accepting = once(listener, "connection") as Promise<[Socket]>
  const dialed = tcpConnect(port, "127.0.0.1")
  const [accepted] = await accepting
  return { listener, accepted, dialed }
}
