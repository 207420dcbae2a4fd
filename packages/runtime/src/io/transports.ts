import {
  attachWs,
  type Carrier,
  CURVE_MESSAGE_OVERHEAD,
  type Dialer,
  type Listener,
  listenStream,
  listenWs,
  parseNetworkEndpoint,
  streamDialer,
  wsDialer,
  ZmqError,
} from "@omq/transport"
import type { ConnectionOptions } from "./host-protocol.js"

/**
 * Where a bind or connect of a HostedSocket goes, by the endpoint's transport: tcp and ipc to
 * the stream listener and dialer, ws and wss to the WebSocket ones with what they take from
 * the socket's options (its mechanism names the subprotocol; wss its TLS material). Runs on the
 * host's thread; throws ZmqError for what cannot be served. (The socket refused STREAM over ws
 * already: openEngine relies on it.)
 */
export function listenerFor(
  endpoint: string,
  options: ConnectionOptions,
): (onConnection: (carrier: Carrier) => void) => Promise<Listener> {
  const ep = parseNetworkEndpoint(endpoint, true)
  if (ep.transport === "tcp" || ep.transport === "ipc") {
    return (onConnection) => listenStream(ep, onConnection, options.backlog)
  }
  const tls = options.wss
  if (ep.transport === "wss" && !options.userServer && (!tls?.key || !tls.cert)) {
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
  const server = options.userServer
  if (server) return (onConnection) => attachWs(server, ep, ws, onConnection)
  return (onConnection) => listenWs(ep, ws, onConnection)
}

export function dialerFor(endpoint: string, options: ConnectionOptions): Dialer {
  const ep = parseNetworkEndpoint(endpoint, false)
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

/**
 * Without maxMessageSize, a ws frame may hold this much: `ws` gathers a message whole before
 * handing it on, so a hostile page announcing gigabytes would make us hold all it sends. The
 * same bound as an incomplete message over tcp (FrameReader); set maxMessageSize for more.
 */
const DEFAULT_WS_FRAME_LIMIT = 256 * 1024 * 1024

/** The largest ws message: a frame's body (boxed under CURVE) and its flags byte. */
function maxPayload(options: ConnectionOptions): number {
  const body = options.maxMessageSize < 0 ? DEFAULT_WS_FRAME_LIMIT : options.maxMessageSize
  const boxed = options.security.mechanism === "CURVE" ? CURVE_MESSAGE_OVERHEAD : 0
  return body + boxed + 1
}
