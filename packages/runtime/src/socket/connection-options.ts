import { checkUdpSocketType, incompatibleProtocol, type SocketType, ZmqError } from "@omq/transport"
import type { ConnectionOptions, WssOptions } from "../io/host-protocol.js"
import type { PipeOptions } from "./inproc-endpoints.js"
import type { SocketOptions } from "./options.js"
import { connectionSecurity, type SelectedMechanism } from "./security-options.js"

/** The types on which `conflate` takes effect, as in libzmq; the others ignore it. */
const CONFLATING = new Set<SocketType>([
  "DEALER",
  "PULL",
  "PUSH",
  "PUB",
  "SUB",
  // Not in libzmq 4.3.5 (it ignores the option there), but zeromq.js offers it on these.
  "SCATTER",
  "GATHER",
])

/** `conflate` is set and this socket type honours it. */
export function conflates(type: SocketType, o: SocketOptions): boolean {
  return o.conflate && CONFLATING.has(type)
}

/** What an inproc pipe takes from the socket's options (see InprocEndpoints). */
export function pipeOptions(o: SocketOptions): PipeOptions {
  return {
    routingId: o.routingId === null ? null : Buffer.from(o.routingId),
    sendHighWaterMark: o.sendHighWaterMark,
    receiveHighWaterMark: o.receiveHighWaterMark,
  }
}

/** What a ZAP request says of the socket: its zapDomain and routing id. */
export function zapIdentity(o: SocketOptions): { domain: string; identity: Uint8Array } {
  return {
    domain: o.zapDomain,
    identity: o.routingId === null ? Buffer.alloc(0) : Buffer.from(o.routingId),
  }
}

/**
 * What a bind or connect takes to its host: the socket's options at that moment (libzmq
 * snapshots them per endpoint too), in the form that crosses to an IO thread. Runs on the
 * socket's thread.
 */
export function connectionOptions(
  o: SocketOptions,
  mechanism: SelectedMechanism,
  conflate: boolean,
): ConnectionOptions {
  return {
    routingId: o.routingId === null ? undefined : Buffer.from(o.routingId),
    maxMessageSize: o.maxMessageSize,
    handshakeInterval: o.handshakeInterval,
    reconnectInterval: o.reconnectInterval,
    reconnectMaxInterval: o.reconnectMaxInterval,
    // A conflating pipe keeps the newest message instead of a limit.
    sendHighWaterMark: conflate ? 0 : o.sendHighWaterMark,
    receiveHighWaterMark: o.receiveHighWaterMark,
    immediate: o.immediate,
    conflate,
    metadata: { ...o.metadata },
    security: connectionSecurity(o, mechanism),
    heartbeat: {
      interval: o.heartbeatInterval,
      timeToLive: o.heartbeatTimeToLive,
      timeout: o.heartbeatTimeout,
    },
    wss: wssOptions(o),
    backlog: o.backlog,
  }
}

/** The wss options a bind or connect takes along; null when none is set. */
function wssOptions(o: SocketOptions): WssOptions | null {
  const tls: WssOptions = {}
  if (o.wssKey !== null) tls.key = o.wssKey
  if (o.wssCert !== null) tls.cert = o.wssCert
  if (o.wssCa !== null) tls.ca = o.wssCa
  if (o.wssServername !== null) tls.servername = o.wssServername
  if (!o.wssRejectUnauthorized) tls.rejectUnauthorized = false
  return Object.keys(tls).length > 0 ? tls : null
}

/** STREAM speaks raw bytes, which ws cannot carry (libzmq has no raw mode over ws either). */
export function checkWsSocketType(type: string, transport: string, address: string): void {
  if (type === "STREAM" && (transport === "ws" || transport === "wss")) {
    throw incompatibleProtocol(`a STREAM socket cannot use ${transport}`, address)
  }
}

/** What connect() refuses at once: udp for a type that cannot connect there, a SOCKS proxy. */
export function checkConnectable(
  type: SocketType,
  transport: string,
  address: string,
  o: SocketOptions,
): void {
  if (transport === "udp") checkUdpSocketType(type, false, address)
  if (transport === "tcp" && o.socksProxy !== null) {
    throw new ZmqError("ENOTSUP", "omq has no SOCKS client (socksProxy is set)", address)
  }
}
