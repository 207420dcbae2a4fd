import type { ZmqError } from "../errors.js"
import type { Metadata, Security, SocketType, ZapAnswer, ZapQuery } from "../zmtp/mod.js"
import type { HeartbeatOptions } from "./heartbeat.js"

/**
 * What a host needs from one connection, whatever it speaks: ZMTP (ZmtpEngine) or raw bytes
 * (RawEngine, for STREAM sockets). Output is gathered and written once per flush().
 */
export interface Engine {
  /** The handshake is done: messages may be written. */
  readonly ready: boolean
  /** ZMTP minor version of the peer (1 where the question does not apply). */
  readonly peerMinor: number
  /** Appends one frame; `owned` bodies may be written without a copy. */
  writeFrame(body: Uint8Array, more: boolean, owned: boolean): void
  /** Appends a frame header alone; the body follows through writeBytes / writeOwned. */
  writeFrameHeader(size: number, more: boolean): void
  /** Appends body bytes (copied). */
  writeBytes(bytes: Uint8Array): void
  /** Appends body bytes the caller gives up; `written` runs once the kernel has them. */
  writeOwned(bytes: Uint8Array, written?: () => void): void
  /** The ZAP handler's answer to the handler's `authenticate` (ignored where there is none). */
  zapAnswer(answer: ZapAnswer | null): void
  /** Appends an encoded command frame (ignored where there are no commands). */
  writeEncoded(frame: Uint8Array): void
  /** Writes what was gathered; false when the stream wants a drain first. */
  flush(): boolean
  pause(): void
  resume(): void
  /** Flushes and ends gracefully; resolves once closed. */
  end(): Promise<void>
  destroy(): void
}

/** What a connection needs to know about the socket it serves. */
export interface EngineConfig {
  socketType: SocketType
  /** Sent as the Identity property by socket types that use one (REQ, DEALER, ROUTER). */
  routingId: Uint8Array | undefined
  /** Largest frame accepted, -1 for no limit. */
  maxMessageSize: number
  /** Milliseconds the greeting and handshake may take, 0 for no limit. */
  handshakeInterval: number
  /** Data frames of at least this many bytes are streamed to the handler, not assembled. */
  streamFrom: number
  /** Application properties announced in READY (libzmq's ZMQ_METADATA; names start "X-"). */
  properties: [string, Uint8Array][]
  security: Security
  heartbeat: HeartbeatOptions
}

export interface PeerInfo {
  socketType: string
  /** The peer's Identity property; empty when it sent none. */
  routingId: Uint8Array
  /** ZMTP minor version the peer announced (0 for 3.0, 1 for 3.1). */
  minor: number
  metadata: Metadata
  /** What the ZAP handler said of the peer (User-Id and properties), when it was asked. */
  zap: ZapAnswer | null
}

/** Callbacks from one connection to its host. Called on the host's thread. */
export interface EngineHandler {
  ready(peer: PeerInfo): void
  message(frames: Uint8Array[]): void
  /**
   * A message with a large frame arrives frame by frame instead: each frame is announced (with
   * whether more follow) and its body follows through frameData, in pieces that are views valid
   * only during the call. Frames before the large one are replayed the same way first.
   */
  frameStart(size: number, more: boolean): void
  frameData(piece: Uint8Array): void
  /**
   * Memory that the rest of the frame now arriving is gathered in, if the host has such (a
   * large frame it hands on whole): the connection may read into it directly instead of calling
   * frameData, and reports what it put there with frameFilled. Null otherwise.
   */
  frameTarget(): Uint8Array | null
  frameFilled(count: number): void
  /** A SUBSCRIBE (true) or CANCEL (false) command. */
  subscription(topic: Uint8Array, subscribe: boolean): void
  /** The stream's write buffer emptied after `flush()` returned false. */
  drain(): void
  /**
   * The mechanism asks the ZAP handler; answer with `engine.zapAnswer()`, later or before this
   * returns (reading pauses only while an answer is awaited).
   */
  authenticate(query: ZapQuery): void
  /** The connection is gone; `error` says why when it failed (EPROTO, EMSGSIZE, ...). */
  closed(error: ZmqError | null, handshaken: boolean): void
}
