import type { Socket } from "node:net"
import { ZmqError } from "../errors.js"
import {
  type Command,
  checkSignature,
  encodeGreeting,
  encodePong,
  FLAG_COMMAND,
  FLAG_MORE,
  FrameDecoder,
  frameHeaderSize,
  GREETING_SIZE,
  type Mechanism,
  type Metadata,
  NullMechanism,
  parseCommand,
  parseGreeting,
  parsePing,
  type SocketType,
  socketTypesCompatible,
  writeFrameHeader,
  ZmtpError,
} from "../zmtp/mod.js"
import type { Engine } from "./engine.js"

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
}

export interface PeerInfo {
  socketType: string
  /** The peer's Identity property; empty when it sent none. */
  routingId: Uint8Array
  /** ZMTP minor version the peer announced (0 for 3.0, 1 for 3.1). */
  minor: number
  metadata: Metadata
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
  /** A SUBSCRIBE (true) or CANCEL (false) command. */
  subscription(topic: Uint8Array, subscribe: boolean): void
  /** The stream's write buffer emptied after `flush()` returned false. */
  drain(): void
  /** The connection is gone; `error` says why when it failed (EPROTO, EMSGSIZE, ...). */
  closed(error: ZmqError | null, handshaken: boolean): void
}

enum State {
  Greeting,
  Handshake,
  Ready,
  Closed,
}

const IDENTITY_TYPES = new Set<SocketType>(["REQ", "DEALER", "ROUTER"])
/**
 * Output is gathered into chunks of up to this size; larger owned frames are written as they
 * are. A connection starts with a small chunk (a slice of Node's shared buffer pool) and doubles
 * it each time a burst fills it, halving it again after small ones; a chunk over 2 KiB is let go
 * at each flush. An idle connection, one of thousands on a ROUTER, holds 2 KiB at most.
 */
const OUT_CHUNK = 64 * 1024
const OUT_FIRST = 2 * 1024
/** No chunk: a quiet connection lets its large one go. */
const NO_OUT = Buffer.alloc(0)
const COPY_LIMIT = 8 * 1024
/** Bodies that span chunks are filled whole: no need to zero them first. */
const allocateBody = (size: number): Uint8Array => Buffer.allocUnsafe(size)

/**
 * One ZMTP 3.x connection over a byte stream: greeting, NULL handshake, framing, PING/PONG.
 *
 * Lives on one thread (an IO worker or the socket's own thread). Outgoing frames are gathered
 * into large chunks and written once per `flush()`, so a burst of small messages costs one
 * write. Incoming frames are decoded without copying and handed over per whole message, so a
 * multipart message is never seen in part.
 */
export class ZmtpEngine implements Engine {
  readonly #stream: Socket
  readonly #config: EngineConfig
  readonly #handler: EngineHandler
  readonly #decoder: FrameDecoder
  #mechanism: Mechanism | null = null
  #state = State.Greeting
  #greeting: Uint8Array | null = new Uint8Array(GREETING_SIZE)
  #greetingLen = 0
  #parts: Uint8Array[] = []
  #outChunk = OUT_FIRST
  #out: Buffer = NO_OUT
  #outLen = 0
  /** Bytes gathered into chunks since the last flush. */
  #gathered = 0
  #pending: Uint8Array[] = []
  /** Callbacks for owned chunks whose memory the caller wants back once written (or dropped). */
  readonly #onWritten = new WeakMap<Uint8Array, () => void>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #peerMinor = 1
  /** Body bytes still owed by a frame begun with writeFrameHeader. */
  #bodyRemaining = 0
  #heldCommands: Uint8Array[] = []
  /** True while a streamed message's frames are arriving (until its last frame starts). */
  #streaming = false

  constructor(stream: Socket, config: EngineConfig, handler: EngineHandler) {
    this.#stream = stream
    this.#config = config
    this.#handler = handler
    this.#decoder = new FrameDecoder(
      {
        onFrame: (flags, body) => this.#onFrame(flags, body),
        onFrameStart: (flags, size) => this.#onFrameStart(flags, size),
        onFrameData: (piece) => handler.frameData(piece),
      },
      config.maxMessageSize,
      config.streamFrom,
      allocateBody,
    )
    stream.setNoDelay(true)
    stream.on("data", (chunk: Buffer) => this.#onData(chunk))
    stream.on("drain", () => handler.drain())
    stream.on("error", () => {})
    stream.on("close", () => this.#finish(null))
    if (config.handshakeInterval > 0) {
      this.#timer = setTimeout(
        // EAGAIN, as libzmq reports a handshake timeout (not a protocol error).
        () => this.#fail(new ZmqError("EAGAIN", "ZMTP handshake timed out")),
        config.handshakeInterval,
      )
    }
    // libzmq sends its greeting in stages and waits for ours: send all 64 bytes at once.
    stream.write(encodeGreeting("NULL", false))
  }

  get ready(): boolean {
    return this.#state === State.Ready
  }

  /** ZMTP minor version of the peer (valid once ready). */
  get peerMinor(): number {
    return this.#peerMinor
  }

  /**
   * Appends one frame. `owned` says the caller will never touch `body` again, which lets a large
   * frame be written without a copy; other bodies are copied now (ring memory is reused).
   */
  writeFrame(body: Uint8Array, more: boolean, owned: boolean, command = false): void {
    const size = body.byteLength
    const flags = (more ? FLAG_MORE : 0) | (command ? FLAG_COMMAND : 0)
    if (owned && size > COPY_LIMIT) {
      this.#reserve(9)
      this.#outLen = writeFrameHeader(this.#out, this.#outLen, flags, size)
      this.#spill()
      this.#pending.push(body)
      return
    }
    this.#reserve(frameHeaderSize(size) + size)
    this.#outLen = writeFrameHeader(this.#out, this.#outLen, flags, size)
    this.#out.set(body, this.#outLen)
    this.#outLen += size
  }

  /** Appends a frame header alone; the body follows through writeBytes. */
  writeFrameHeader(size: number, more: boolean): void {
    this.#reserve(9)
    this.#outLen = writeFrameHeader(this.#out, this.#outLen, more ? FLAG_MORE : 0, size)
    this.#bodyRemaining = size
  }

  /** Appends raw body bytes (copied: the caller's memory may be reused). */
  writeBytes(bytes: Uint8Array): void {
    let from = 0
    while (from < bytes.byteLength) {
      if (this.#outLen === this.#out.byteLength) this.#reserve(1)
      const take = Math.min(bytes.byteLength - from, this.#out.byteLength - this.#outLen)
      this.#out.set(bytes.subarray(from, from + take), this.#outLen)
      this.#outLen += take
      from += take
    }
    this.#bodyWritten(bytes.byteLength)
  }

  /** Appends body bytes the caller will never touch again: written without a copy. */
  writeOwned(bytes: Uint8Array, written?: () => void): void {
    this.#spill()
    this.#pending.push(bytes)
    if (written) this.#onWritten.set(bytes, written)
    this.#bodyWritten(bytes.byteLength)
  }

  /**
   * Counts body bytes of a frame started with writeFrameHeader. Commands that came up while
   * such a body was half written (a PONG) wait for its end: a frame must never be split.
   */
  #bodyWritten(bytes: number): void {
    if (this.#bodyRemaining === 0) return
    this.#bodyRemaining -= bytes
    if (this.#bodyRemaining > 0) return
    this.#bodyRemaining = 0
    const held = this.#heldCommands
    this.#heldCommands = []
    for (const frame of held) this.writeEncoded(frame)
  }

  /** Appends a frame already encoded with its header (a command from the zmtp module). */
  writeEncoded(frame: Uint8Array): void {
    if (this.#bodyRemaining > 0) {
      this.#heldCommands.push(frame)
      return
    }
    this.#reserve(frame.byteLength)
    this.#out.set(frame, this.#outLen)
    this.#outLen += frame.byteLength
  }

  /** Writes everything gathered. Returns false when the stream wants a `drain` first. */
  flush(): boolean {
    if (this.#state === State.Closed) return true
    this.#spill()
    this.#settleChunk()
    const pending = this.#pending
    if (pending.length === 0) return !this.#stream.writableNeedDrain
    this.#pending = []
    if (pending.length === 1) {
      this.#write(pending[0]!)
    } else {
      this.#stream.cork()
      for (const chunk of pending) this.#write(chunk)
      this.#stream.uncork()
    }
    return !this.#stream.writableNeedDrain
  }

  #write(chunk: Uint8Array): void {
    const written = this.#onWritten.get(chunk)
    if (!written) {
      this.#stream.write(chunk)
      return
    }
    // Written or failed, the memory is free again either way.
    this.#stream.write(chunk, () => written())
  }

  pause(): void {
    this.#stream.pause()
  }

  resume(): void {
    if (this.#state !== State.Closed) this.#stream.resume()
  }

  /** Flushes and ends the stream gracefully; resolves once it has closed. */
  end(): Promise<void> {
    if (this.#state === State.Closed) return Promise.resolve()
    this.flush()
    const closed = new Promise<void>((resolve) => this.#stream.once("close", () => resolve()))
    this.#stream.end()
    return closed
  }

  destroy(): void {
    this.#stream.destroy()
    this.#finish(null)
  }

  #reserve(bytes: number): void {
    if (this.#outLen + bytes <= this.#out.byteLength) return
    if (this.#out.byteLength > 0) this.#spillFull()
    if (bytes > this.#out.byteLength - this.#outLen) {
      this.#out = Buffer.allocUnsafe(Math.max(bytes, this.#outChunk))
    }
  }

  /** The chunk filled up within a burst: the next ones are larger. */
  #spillFull(): void {
    this.#outChunk = Math.min(this.#outChunk * 2, OUT_CHUNK)
    this.#spill()
  }

  /** After a flush: small bursts shrink the next chunk, and a large one is not kept. */
  #settleChunk(): void {
    if (this.#gathered * 4 < this.#outChunk) {
      this.#outChunk = Math.max(OUT_FIRST, this.#outChunk >>> 1)
    }
    this.#gathered = 0
    if (this.#out.byteLength > OUT_FIRST) this.#out = NO_OUT
  }

  /** Moves the gathered bytes to the pending list. */
  #spill(): void {
    if (this.#outLen === 0) return
    this.#gathered += this.#outLen
    this.#pending.push(this.#out.subarray(0, this.#outLen))
    const rest = this.#out.byteLength - this.#outLen
    // The rest of the chunk serves the next writes; a nearly full one is replaced when needed.
    this.#out = rest >= 4096 ? this.#out.subarray(this.#outLen) : NO_OUT
    this.#outLen = 0
  }

  #onData(chunk: Buffer): void {
    try {
      if (this.#state === State.Greeting) {
        const used = this.#readGreeting(chunk)
        if (used < 0) return
        chunk = chunk.subarray(used)
        if (chunk.byteLength === 0) return
      }
      this.#decoder.push(chunk)
    } catch (err) {
      this.#fail(asZmqError(err))
    }
  }

  /** Returns how many bytes of `chunk` the greeting took, or -1 when it needs more. */
  #readGreeting(chunk: Buffer): number {
    const buf = this.#greeting!
    const take = Math.min(GREETING_SIZE - this.#greetingLen, chunk.byteLength)
    buf.set(chunk.subarray(0, take), this.#greetingLen)
    this.#greetingLen += take
    if (this.#greetingLen >= 10) checkSignature(buf)
    if (this.#greetingLen < GREETING_SIZE) return -1
    const greeting = parseGreeting(buf)
    this.#greeting = null
    if (greeting.mechanism !== "NULL") {
      throw new ZmqError(
        "EPROTO",
        `security mechanism mismatch: peer uses ${greeting.mechanism}`,
        undefined,
        "ERR_ZMTP_MECHANISM_MISMATCH",
      )
    }
    this.#peerMinor = greeting.major > 3 ? 1 : greeting.minor
    const props: Array<[string, Uint8Array]> = [["Socket-Type", ascii(this.#config.socketType)]]
    if (IDENTITY_TYPES.has(this.#config.socketType)) {
      props.push(["Identity", this.#config.routingId ?? new Uint8Array(0)])
    }
    this.#mechanism = new NullMechanism(props)
    this.#state = State.Handshake
    for (const frame of this.#mechanism.start().send) this.writeEncoded(frame)
    this.flush()
    return take
  }

  #onFrame(flags: number, body: Uint8Array): void {
    if (this.#state === State.Closed) return
    if (flags & FLAG_COMMAND) {
      this.#onCommand(parseCommand(body))
      return
    }
    if (this.#state !== State.Ready) throw new ZmqError("EPROTO", "message frame before handshake")
    if (this.#streaming) {
      const more = (flags & FLAG_MORE) !== 0
      this.#streaming = more
      this.#handler.frameStart(body.byteLength, more)
      if (body.byteLength > 0) this.#handler.frameData(body)
      return
    }
    if (!(flags & FLAG_MORE)) {
      // A single-frame message gets an array of its own size (a push into [] reserves more).
      let parts = this.#parts
      if (parts.length === 0) parts = [body]
      else {
        parts.push(body)
        this.#parts = []
      }
      this.#handler.message(parts)
      return
    }
    this.#parts.push(body)
  }

  #onFrameStart(flags: number, size: number): void {
    if (this.#state !== State.Ready) throw new ZmqError("EPROTO", "message frame before handshake")
    if (!this.#streaming) {
      // Replay the frames gathered so far, so the whole message goes frame by frame.
      for (const part of this.#parts) {
        this.#handler.frameStart(part.byteLength, true)
        if (part.byteLength > 0) this.#handler.frameData(part)
      }
      this.#parts = []
    }
    const more = (flags & FLAG_MORE) !== 0
    this.#streaming = more
    this.#handler.frameStart(size, more)
  }

  #onCommand(command: Command): void {
    if (this.#state === State.Handshake) {
      const step = this.#mechanism!.onCommand(command)
      for (const frame of step.send) this.writeEncoded(frame)
      if (step.peer) this.#onHandshake(step.peer)
      return
    }
    switch (command.name) {
      case "PING": {
        this.writeEncoded(encodePong(parsePing(command.data).context))
        this.flush()
        return
      }
      case "SUBSCRIBE":
      case "CANCEL":
        this.#handler.subscription(command.data, command.name === "SUBSCRIBE")
        return
      case "ERROR":
        throw new ZmqError("EPROTO", "peer sent ERROR")
      default:
        // PONG and commands this version does not know are ignored, as libzmq does.
        return
    }
  }

  #onHandshake(peer: Metadata): void {
    const type = decodeAscii(peer.get("socket-type"))
    if (!socketTypesCompatible(this.#config.socketType, type)) {
      throw new ZmqError(
        "EPROTO",
        `socket type ${type || "(none)"} cannot talk to ${this.#config.socketType}`,
        undefined,
        "ERR_ZMTP_INVALID_METADATA",
      )
    }
    const identity = peer.get("identity")
    if (identity && identity.byteLength > 255) {
      throw new ZmqError("EPROTO", `peer identity of ${identity.byteLength} bytes exceeds 255`)
    }
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#state = State.Ready
    this.flush()
    this.#handler.ready({
      socketType: type,
      routingId: peer.get("identity") ?? new Uint8Array(0),
      minor: this.#peerMinor,
      metadata: peer,
    })
  }

  #fail(error: ZmqError): void {
    if (this.#state === State.Closed) return
    this.#stream.destroy()
    this.#finish(error)
  }

  #finish(error: ZmqError | null): void {
    if (this.#state === State.Closed) return
    const handshaken = this.#state === State.Ready
    this.#state = State.Closed
    clearTimeout(this.#timer)
    this.#parts = []
    this.#streaming = false
    for (const chunk of this.#pending) this.#onWritten.get(chunk)?.()
    this.#pending = []
    this.#handler.closed(error, handshaken)
  }
}

function asZmqError(err: unknown): ZmqError {
  if (err instanceof ZmqError) return err
  if (err instanceof ZmtpError) return new ZmqError(err.code, err.message)
  return new ZmqError("EPROTO", err instanceof Error ? err.message : String(err))
}

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f
  return out
}

function decodeAscii(bytes: Uint8Array | undefined): string {
  return bytes ? String.fromCharCode(...bytes) : ""
}
