import type { MessagePort } from "node:worker_threads"
import type { SocketType } from "@omq/transport"
import type { RingHandle } from "../ring/ring-buffer.js"

/**
 * The control plane between a socket's thread and the IoHost that owns its connections.
 * Data never goes this way: it travels in the two rings named at attach time.
 */

/** Connection options, snapshotted at each bind/connect as libzmq does. */
export interface ConnectionOptions {
  routingId: Uint8Array | undefined
  maxMessageSize: number
  handshakeInterval: number
  reconnectInterval: number
  reconnectMaxInterval: number
  /** Messages per peer; 0 means no limit. */
  sendHighWaterMark: number
  receiveHighWaterMark: number
  immediate: boolean
}

export interface SocketAttachment {
  socketId: number
  type: SocketType
  /** Records from the socket to the host. */
  toHost: RingHandle
  /** Records from the host to the socket. */
  toSocket: RingHandle
}

/** What an IoHost does for the sockets attached to it. Every call names the socket by id. */
export interface IoHostApi {
  attach(socket: SocketAttachment, port: MessagePort): void
  /** Resolves with the bound endpoint (wildcards resolved). Not named `bind`: comlink proxies reserve it. */
  bindEndpoint(socketId: number, endpoint: string, options: ConnectionOptions): Promise<string>
  unbindEndpoint(socketId: number, endpoint: string): Promise<void>
  connect(socketId: number, endpoint: string, options: ConnectionOptions): void
  disconnect(socketId: number, endpoint: string): void
  /**
   * Resolves once the socket is gone from the host: after its Close record (which carries the
   * linger) was handled and its connections dropped.
   */
  closed(socketId: number): Promise<void>
}
