import {
  type Carrier,
  type Dialer,
  type Listener,
  listenStream,
  listenWs,
  type NetworkEndpoint,
  parseNetworkEndpoint,
  type SocketType,
  streamDialer,
  wsDialer,
  ZmqError,
} from "@omq/transport"
import type { ConnectionOptions } from "./host-protocol.js"

/** CURVE boxes each frame: its MESSAGE command adds this much to what the peer may send. */
const CURVE_OVERHEAD = 33 + 16

/**
 * Where a bind or connect of a HostedSocket goes, by the endpoint's transport: tcp and ipc to
 * the stream listener and dialer, ws and wss to the WebSocket ones with what they take from
 * the socket's options (its mechanism names the subprotocol; wss its TLS material). Runs on the
 * host's thread; throws ZmqError for what cannot be served.
 */
export function listenerFor(
  type: SocketType,
  endpoint: string,
  options: ConnectionOptions,
): (onConnection: (carrier: Carrier) => void) => Promise<Listener> {
  const ep = streamEndpoint(type, endpoint, true)
  if (ep.transport === "tcp" || ep.transport === "ipc") {
    return (onConnection) => listenStream(ep, onConnection)
  }
  const tls = options.wss
  if (ep.transport === "wss" && (!tls?.key || !tls.cert)) {
    throw new ZmqError(
      "EINVAL",
      `binding ${endpoint} needs the wssKey and wssCert options`,
      endpoint,
    )
  }
  const ws = {
    mechanism: options.security.mechanism,
    maxPayload: maxPayload(options),
    upgradeTimeout: options.handshakeInterval,
    tls: ep.transport === "wss" ? { key: tls!.key!, cert: tls!.cert!, ca: tls!.ca } : null,
  }
  return (onConnection) => listenWs(ep, ws, onConnection)
}

export function dialerFor(type: SocketType, endpoint: string, options: ConnectionOptions): Dialer {
  const ep = streamEndpoint(type, endpoint, false)
  if (ep.transport === "tcp" || ep.transport === "ipc") return streamDialer(ep)
  const tls = options.wss
  return wsDialer(ep, {
    mechanism: options.security.mechanism,
    maxPayload: maxPayload(options),
    upgradeTimeout: options.handshakeInterval,
    tls:
      ep.transport === "wss"
        ? {
            ca: tls?.ca,
            servername: tls?.servername,
            rejectUnauthorized: tls?.rejectUnauthorized ?? true,
          }
        : null,
  })
}

function streamEndpoint(type: SocketType, endpoint: string, bind: boolean): NetworkEndpoint {
  const ep = parseNetworkEndpoint(endpoint, bind)
  // STREAM speaks raw bytes; libzmq has no raw mode over ws either.
  if (type === "STREAM" && (ep.transport === "ws" || ep.transport === "wss")) {
    throw new ZmqError("ENOCOMPATPROTO", `a STREAM socket cannot use ${ep.transport}`, endpoint)
  }
  return ep
}

/** The largest ws message: a frame's body (boxed under CURVE) and its flags byte; 0: any. */
function maxPayload(options: ConnectionOptions): number {
  if (options.maxMessageSize < 0) return 0
  const boxed = options.security.mechanism === "CURVE" ? CURVE_OVERHEAD : 0
  return options.maxMessageSize + boxed + 1
}
