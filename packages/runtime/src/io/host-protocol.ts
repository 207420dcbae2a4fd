import type { Server as HttpServer } from "node:http"
import type { Server as HttpsServer } from "node:https"
import {
  encodeMetadata,
  type HeartbeatOptions,
  type Metadata,
  parseMetadata,
  type SocketType,
} from "@omq/transport"
import type { InThreadRecords } from "../ring/in-thread-records.js"
import type { RingHandle } from "../ring/ring-buffer.js"
import type { TransferPool } from "../ring/transfer-pool.js"
import type { ConnectionSecurity } from "./connection-security.js"

/**
 * The control plane between a socket's thread and the IoHost that owns its connections
 * (the calls io.attach, io.bind and io.unbind over the mailboxes; see IoLink). io.attach stays
 * a call although nothing reads its answer: under `deno test` a one-way attach left nothing
 * holding the event loop while the IO thread started, and the first bind's await failed. Data never goes this way: it travels in the two rings named at attach time, and so
 * does the end of a socket (its Close record, and the host's closing of the rings).
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
  security: ConnectionSecurity
  heartbeat: HeartbeatOptions
  /** Properties our READY announces (the socket's `metadata` option). */
  metadata: Record<string, string>
  /** TLS for wss (the socket's wss* options, PEM text), null when none is set. */
  wss: WssOptions | null
  /** Connections a tcp or ipc listener lets wait to be accepted. */
  backlog: number
  /**
   * The application's http(s).Server a ws bind serves its path on. In-thread hosts only: a
   * server never crosses threads (and never goes through encodeOptions).
   */
  userServer?: HttpServer | HttpsServer
}

/** The socket's wss options: a server's key and certificate, a client's trust and checks. */
export interface WssOptions {
  key?: string
  cert?: string
  ca?: string
  servername?: string
  rejectUnauthorized?: boolean
}

interface AttachmentBase {
  socketId: number
  type: SocketType
  /** The socket's thread: its sockets are dropped on the host if it dies. */
  thread: number
}

/** A socket on another thread than its host's: the records go in two shared rings. */
export interface RingAttachment extends AttachmentBase {
  /** Name of the rings' lane (large frames, memory handed back, grown rings). */
  lane: string
  /** Records from the socket to the host. */
  toHost: RingHandle
  /** Records from the host to the socket. */
  toSocket: RingHandle
}

/** A socket on its host's own thread (`ioThreads: 0`): the records go as objects. */
export interface InThreadAttachment extends AttachmentBase {
  inThread: { toHost: InThreadRecords; toSocket: InThreadRecords; pool: TransferPool }
}

export type SocketAttachment = RingAttachment | InThreadAttachment

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

/** What a PeerUp record tells the socket of a pipe whose handshake completed. */
export interface PeerUpInfo {
  type: string
  routingId: Uint8Array
  endpoint: string
  /** The pipe's receive limit (the socket returns credit in batches of half) and send limit. */
  receiveLimit: number
  sendLimit: number
  /** What receiveWithProperties() reports of the peer's messages (names lower-cased). */
  properties: Metadata
}

/**
 * A PeerUp record's frames: [socket type, routing id, endpoint, limits as two u32, properties
 * in ZMTP metadata form].
 */
export function encodePeerUp(info: PeerUpInfo): Uint8Array[] {
  const limits = new Uint8Array(8)
  const view = new DataView(limits.buffer)
  view.setUint32(0, info.receiveLimit, true)
  view.setUint32(4, info.sendLimit, true)
  return [
    encoder.encode(info.type),
    info.routingId,
    encoder.encode(info.endpoint),
    limits,
    encodeMetadata(info.properties),
  ]
}

export function decodePeerUp(frames: Uint8Array[]): PeerUpInfo {
  const [type, routingId, endpoint, limitBytes, properties] = frames
  const limits = new DataView(limitBytes!.buffer, limitBytes!.byteOffset, 8)
  return {
    type: decoder.decode(type),
    routingId: routingId!,
    endpoint: decoder.decode(endpoint),
    receiveLimit: limits.getUint32(0, true),
    sendLimit: limits.getUint32(4, true),
    properties: parseMetadata(properties!),
  }
}
