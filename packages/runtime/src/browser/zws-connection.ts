import {
  encodePing,
  encodePong,
  Handshake,
  type HandshakeProgress,
  type MessageCipher,
  parseCommand,
  parseError,
  parsePing,
  protocolError,
  type SocketType,
  socketTypesCompatible,
  ZmtpError,
  ZWS_COMMAND,
  ZWS_MORE,
  zmtpFrameOfZwsPayload,
  zwsPayloadOfFrame,
} from "@omq/transport/zmtp"
import { Queue } from "../util/queue.js"
import type { Security } from "./security.js"
import { openWebSocket, selection } from "./zws-subprotocol.js"

/** What the peer said about itself in the handshake. */
export interface PeerInfo {
  /** Its Socket-Type; null under bare ZWS2.0, which announces none. */
  type: string | null
  /** Its Identity (under bare ZWS2.0: its first message); empty when it set none. */
  routingId: Uint8Array
}

/** What one connection needs to know, fixed when it starts. */
export interface ConnectionConfig {
  url: string
  type: SocketType
  security: Security
  /** Our READY properties: Socket-Type, Identity, "X-" metadata. */
  properties: [string, Uint8Array][]
  /** Sent as the first message under bare ZWS2.0 (empty: none set). */
  routingId: Uint8Array
  maxMessageSize: number
  handshakeInterval: number
  heartbeatInterval: number
  heartbeatTimeToLive: number
  heartbeatTimeout: number
}

/** Told of a connection's life, in order: opened, ready, messages, then closed once. */
export interface ConnectionHandler {
  opened(): void
  ready(peer: PeerInfo): void
  message(frames: Uint8Array[]): void
  /** A SUBSCRIBE or CANCEL command (peers over ws mostly send 0x01/0x00 data frames instead). */
  subscription(topic: Uint8Array, subscribe: boolean): void
  /** It ended: `error` is why we dropped it; null when the peer or the network ended it. */
  closed(error: Error | null): void
}

const CONNECTING = 0
const HANDSHAKE = 1
/** Bare ZWS2.0: the peer's first message is its routing id. */
const ROUTING_ID = 2
const READY = 3
const CLOSED = 4
const EMPTY = new Uint8Array(0)

/**
 * One ZWS 2.0 connection over the browser's WebSocket, as libzmq 4.3.5 speaks it: no ZMTP
 * greeting; the subprotocol the server chose (zws-subprotocol.ts) says whether a mechanism's
 * handshake follows or, under bare ZWS2.0, each side's routing id; then each ZMTP frame is one
 * binary message, a flags byte (MORE 0x01, COMMAND 0x02) and the body. The handshake is the
 * pure core's (Handshake without greeting); this class only moves its frames and times it.
 *
 * The browser buffers whatever send() is given, unbounded; queued() counts the messages it still
 * holds, so that the pipe above can apply a high-water mark in messages.
 */
export class ZwsConnection {
  readonly #config: ConnectionConfig
  readonly #handler: ConnectionHandler
  readonly #ws: WebSocket | null = null
  #state = CONNECTING
  #handshake: Handshake | null = null
  #cipher: MessageCipher | null = null
  /** Frames of the message being received (its last frame has no MORE). */
  #parts: Uint8Array[] = []
  /** Bytes given to the WebSocket so far, and that count at the end of each message. */
  #sentBytes = 0
  readonly #messageEnds = new Queue<number>()
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined
  #pinger: ReturnType<typeof setInterval> | undefined
  #heartbeatDeadline: ReturnType<typeof setTimeout> | undefined

  constructor(config: ConnectionConfig, handler: ConnectionHandler) {
    this.#config = config
    this.#handler = handler
    try {
      const ws = openWebSocket(config.url, config.security.mechanism)
      ws.binaryType = "arraybuffer"
      ws.onopen = () => this.#guard(() => this.#opened())
      ws.onmessage = (event) => this.#guard(() => this.#received(event.data))
      ws.onclose = () => this.#fail(null)
      this.#ws = ws
    } catch (err) {
      // A mixed-content or malformed URL throws at once: report it as a failed attempt.
      queueMicrotask(() => this.#fail(err as Error))
    }
  }

  /** Messages given to send() that the browser has not yet put on the network. */
  queued(): number {
    const ws = this.#ws
    if (!ws || this.#state === CLOSED) return 0
    const onNetwork = this.#sentBytes - ws.bufferedAmount
    const ends = this.#messageEnds
    while (ends.length > 0 && ends.peek()! <= onNetwork) ends.shift()
    return ends.length
  }

  /** Sends a whole message (only once ready). */
  send(frames: readonly Uint8Array[]): void {
    const last = frames.length - 1
    for (let i = 0; i <= last; i++) this.#sendFrame(i < last ? ZWS_MORE : 0, frames[i]!)
    this.#messageEnds.push(this.#sentBytes)
  }

  /** Ends the connection from our side; the handler hears nothing more. */
  close(): void {
    if (this.#state === CLOSED) return
    this.#state = CLOSED
    clearTimeout(this.#handshakeTimer)
    clearInterval(this.#pinger)
    clearTimeout(this.#heartbeatDeadline)
    this.#cipher?.dispose()
    const ws = this.#ws
    if (!ws) return
    ws.onopen = ws.onmessage = ws.onclose = null
    // libzmq echoes a close frame but leaves TCP open: the browser ends it in time, unheard.
    ws.close()
  }

  #opened(): void {
    const protocol = this.#ws!.protocol
    const { security } = this.#config
    this.#handler.opened()
    if (this.#config.handshakeInterval > 0) {
      this.#handshakeTimer = setTimeout(
        () => this.#fail(protocolError("ERR_ZMTP_UNSPECIFIED", "handshake timed out")),
        this.#config.handshakeInterval,
      )
    }
    const selected = selection(protocol, security.mechanism)
    if (selected === "bare") {
      // No mechanism, no READY: each side's first message is its routing id (libzmq's ws).
      this.#state = ROUTING_ID
      this.#sendFrame(0, this.#config.routingId)
    } else if (selected) {
      this.#state = HANDSHAKE
      this.#handshake = new Handshake(security.create(this.#config.properties), {
        greeting: false,
      })
      this.#apply(this.#handshake.begin())
    } else {
      throw protocolError("ERR_ZMTP_MECHANISM_MISMATCH", `server chose subprotocol "${protocol}"`)
    }
  }

  #received(data: unknown): void {
    if (this.#state === CLOSED) return
    if (!(data instanceof ArrayBuffer)) throw new ZmtpError("EPROTO", "ZWS has no text messages")
    const payload = new Uint8Array(data)
    if (payload.byteLength === 0) throw new ZmtpError("EPROTO", "empty ZWS message")
    clearTimeout(this.#heartbeatDeadline) // anything heard proves the peer alive
    this.#heartbeatDeadline = undefined
    if (this.#state === READY) this.#frame(payload[0]!, payload.subarray(1))
    else if (this.#state === HANDSHAKE)
      this.#apply(this.#handshake!.push(zmtpFrameOfZwsPayload(payload)))
    else if (this.#state === ROUTING_ID) {
      if (payload[0]! & (ZWS_MORE | ZWS_COMMAND)) {
        throw new ZmtpError("EPROTO", "bare ZWS2.0 peer's first message is not a routing id")
      }
      this.#up({ type: null, routingId: payload.slice(1) })
    }
  }

  /** Writes what the handshake asks for, and goes on to messages once it is done. */
  #apply(progress: HandshakeProgress): void {
    for (const frame of progress.send) this.#sendPayload(zwsPayloadOfFrame(frame))
    if (progress.failure) throw progress.failure
    if (progress.zap) throw new ZmtpError("EPROTO", "a client mechanism asked for ZAP")
    const done = progress.done
    if (!done) return
    // Each push() is one whole frame, so nothing can follow the frame that ended the handshake.
    if (progress.rest) throw new ZmtpError("EPROTO", "bytes after the handshake's last command")
    const type = new TextDecoder().decode(done.peer.get("socket-type") ?? EMPTY)
    if (!socketTypesCompatible(this.#config.type, type)) {
      throw protocolError(
        "ERR_ZMTP_INVALID_METADATA",
        `a ${this.#config.type} cannot talk to a ${type || "peer without a Socket-Type"}`,
      )
    }
    this.#cipher = done.cipher
    this.#handshake = null
    this.#up({ type, routingId: done.peer.get("identity") ?? EMPTY })
  }

  #up(peer: PeerInfo): void {
    clearTimeout(this.#handshakeTimer)
    this.#state = READY
    this.#startHeartbeats()
    this.#handler.ready(peer)
  }

  /** One frame of the session: message parts gather until one without MORE. */
  #frame(flags: number, body: Uint8Array): void {
    if (this.#cipher) ({ flags, body } = this.#cipher.open(body))
    if (flags & ZWS_COMMAND) {
      this.#command(body)
      return
    }
    const max = this.#config.maxMessageSize
    if (max >= 0 && body.byteLength > max) {
      throw new ZmtpError("EMSGSIZE", `frame of ${body.byteLength} bytes exceeds ${max}`)
    }
    // A view: each WebSocket message has a buffer of its own, so nothing else shares it.
    this.#parts.push(body)
    if (flags & ZWS_MORE) return
    const frames = this.#parts
    this.#parts = []
    this.#handler.message(frames)
  }

  #command(body: Uint8Array): void {
    const { name, data } = parseCommand(body)
    if (name === "PING") this.#sendCommand(encodePong(parsePing(data).context))
    else if (name === "SUBSCRIBE" || name === "CANCEL") {
      this.#handler.subscription(data.slice(), name === "SUBSCRIBE")
    } else if (name === "ERROR") {
      throw new ZmtpError("EPROTO", `peer sent ERROR: ${parseError(data)}`)
    }
    // PONG, and commands we do not know, are ignored, as libzmq does.
  }

  /**
   * PINGs every heartbeatInterval keep idle proxies from closing the connection; with a
   * heartbeatTimeout, a peer that says nothing for that long after one is dropped (see
   * SocketOptions: libzmq never answers them over ws).
   */
  #startHeartbeats(): void {
    const { heartbeatInterval, heartbeatTimeToLive, heartbeatTimeout } = this.#config
    if (heartbeatInterval <= 0) return
    const ttl = Math.min(0xffff, Math.floor(heartbeatTimeToLive / 100))
    this.#pinger = setInterval(() => {
      this.#sendCommand(encodePing(ttl, EMPTY))
      if (heartbeatTimeout <= 0 || this.#heartbeatDeadline) return
      this.#heartbeatDeadline = setTimeout(
        () => this.#fail(new ZmtpError("EPROTO", "heartbeat timed out")),
        heartbeatTimeout,
      )
    }, heartbeatInterval)
  }

  /** A whole command frame (as encodeCommand makes it), boxed under CURVE. */
  #sendCommand(frame: Uint8Array): void {
    this.#sendFrame(ZWS_COMMAND, zwsPayloadOfFrame(frame).subarray(1))
  }

  #sendFrame(flags: number, body: Uint8Array): void {
    let payload: Uint8Array
    if (this.#cipher) {
      if (this.#state === CLOSED) return // the cipher's key is wiped
      // A MESSAGE travels as a data frame, as libzmq sends it; the flags go inside the box.
      payload = new Uint8Array(1 + this.#cipher.overhead + body.byteLength)
      this.#cipher.sealInto(flags, body, payload, 1)
    } else {
      payload = new Uint8Array(1 + body.byteLength)
      payload[0] = flags
      payload.set(body, 1)
    }
    this.#sendPayload(payload)
  }

  #sendPayload(payload: Uint8Array): void {
    this.#ws!.send(payload)
    this.#sentBytes += payload.byteLength
  }

  /** Runs an event's work; a protocol error (or any throw) drops the connection. */
  #guard(work: () => void): void {
    try {
      work()
    } catch (err) {
      this.#fail(err as Error)
    }
  }

  #fail(error: Error | null): void {
    if (this.#state === CLOSED) return
    this.close()
    this.#handler.closed(error)
  }
}
