import {
  type Carrier,
  type Engine,
  type EngineHandler,
  RawEngine,
  type SocketType,
  type StreamCarrier,
  ZmtpEngine,
} from "@omq/transport"
import { securityOf } from "./connection-security.js"
// Native X25519 for the handshakes and key pairs made on this thread.
import "../security/node-x25519.js"
import type { ConnectionOptions } from "./host-protocol.js"

const encoder = new TextEncoder()

/**
 * The engine a socket of `type` runs over a new connection: raw bytes for STREAM, ZMTP for
 * every other type. `streamFrom` is the message size from which frames are handed over piece
 * by piece (see Outbox.streamFrom).
 */
export function openEngine(
  type: SocketType,
  carrier: Carrier,
  options: ConnectionOptions,
  streamFrom: number,
  handler: EngineHandler,
): Engine {
  // A STREAM socket binds and connects tcp and ipc only (its socket refuses ws at the call).
  if (type === "STREAM") return new RawEngine(carrier as StreamCarrier, handler)
  const config = {
    socketType: type,
    routingId: options.routingId,
    maxMessageSize: options.maxMessageSize,
    handshakeInterval: options.handshakeInterval,
    streamFrom,
    properties: Object.entries(options.metadata).map(([name, value]): [string, Uint8Array] => [
      name,
      encoder.encode(value),
    ]),
    security: securityOf(options.security),
    heartbeat: options.heartbeat,
  }
  return new ZmtpEngine(carrier, config, handler)
}
