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
  /** Each pipe keeps only the newest message waiting to be written. */
  conflate: boolean
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
  /**
   * Resolves once the socket is gone from the host: after its Close record (which carries the
   * linger) was handled and its connections dropped.
   */
  closed(socketId: number): Promise<void>
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Options travel inside a Connect record; connects are rare, so JSON is fine. */
export function encodeOptions(options: ConnectionOptions): Uint8Array {
  const routingId = options.routingId ? Array.from(options.routingId) : null
  return encoder.encode(JSON.stringify({ ...options, routingId }))
}

export function decodeOptions(bytes: Uint8Array): ConnectionOptions {
  const parsed = JSON.parse(decoder.decode(bytes)) as ConnectionOptions & {
    routingId: number[] | null
  }
  return { ...parsed, routingId: parsed.routingId ? Uint8Array.from(parsed.routingId) : undefined }
}
