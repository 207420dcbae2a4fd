import type { SocketType } from "@omq/transport/zmtp"
import { utf8 } from "./frames.js"
import type { SocketOptions } from "./socket-options.js"
import type { ConnectionConfig } from "./zws-connection.js"

const EMPTY = new Uint8Array(0)
/** The types whose READY carries an Identity, as libzmq's. */
const IDENTITY_TYPES: readonly string[] = ["REQ", "DEALER", "ROUTER"]

/**
 * What one connection of a `type` socket needs from its options, read when it starts: a
 * reconnect takes the options as they are then, as libzmq's does.
 */
export function connectionConfig(
  url: string,
  type: SocketType,
  options: SocketOptions,
): ConnectionConfig {
  const routingId = options.routingId === null ? EMPTY : utf8(options.routingId)
  const properties: [string, Uint8Array][] = [["Socket-Type", utf8(type)]]
  if (IDENTITY_TYPES.includes(type)) properties.push(["Identity", routingId])
  for (const [name, value] of Object.entries(options.metadata)) {
    properties.push([name, utf8(value)])
  }
  return {
    url,
    type,
    security: options.security,
    properties,
    routingId,
    maxMessageSize: options.maxMessageSize,
    handshakeInterval: options.handshakeInterval,
    heartbeatInterval: options.heartbeatInterval,
    heartbeatTimeToLive: options.heartbeatTimeToLive,
    heartbeatTimeout: options.heartbeatTimeout,
  }
}
