import { ZmqError } from "../errors.js"
import {
  BARE_ZWS,
  type Command,
  encodePong,
  frameHeaderSize,
  Handshake,
  type HandshakeProgress,
  type HandshakeResult,
  MAX_GROUP,
  type MessageCipher,
  mechanismFor,
  parsePing,
  protocolError,
  socketTypesCompatible,
  sodiumLoading,
  writeFrameHeader,
  type ZapAnswer,
} from "../zmtp/mod.js"
import type { Carrier, FrameOutput } from "./carrier.js"
import type { Engine, EngineConfig, EngineHandler, PeerInfo } from "./engine.js"
import { FrameReader } from "./frame-reader.js"
import { FrameWriter } from "./frame-writer.js"
import { Heartbeat } from "./heartbeat.js"
import { asZmqError, decodeAscii, localProperties, pingFrame } from "./zmtp-engine-support.js"

/** How long a CURVE connection waits for libsodium at most (see #awaitSodium). */
const SODIUM_WAIT_MS = 100

enum State {
  Handshake,
  Ready,
  Closed,
}

/**
 * One ZMTP 3.x connection over a Carrier (a byte stream, or WebSocket messages): the handshake
 * (NULL, PLAIN or CURVE, see Handshake), then framing, PING/PONG and heartbeats (over ws, the
 * carrier's pings), and under CURVE a MESSAGE box per frame.
 *
 * Lives on one thread (an IO worker or the socket's own thread). Outgoing frames are gathered
 * and written once per `flush()`, so a burst of small messages costs one write. Incoming
 * frames are decoded without copying and handed over per whole message, so a multipart
 * message is never seen in part.
 */
export class ZmtpEngine implements Engine {
  readonly #carrier: Carrier
  readonly #config: EngineConfig
  readonly #handler: EngineHandler
  readonly #output: FrameOutput
  readonly #writer: FrameWriter
  readonly #handshake: Handshake
  readonly #heartbeat: Heartbeat
  #reader: FrameReader | null = null
  #state = State.Handshake
  #timer: ReturnType<typeof setTimeout> | undefined
  #peerMinor = 1
  /** The ZAP handler's answer, kept for the peer's properties. */
  #zap: ZapAnswer | null = null
  /** Reading paused until the ZAP handler answers (not when it answered at once). */
  #zapPaused = false
  /** Between asking ZAP and its answer. */
  #zapAsked = false
  /** The handshake was refused: the connection closes with this once the ERROR is out. */
  #refusal: ZmqError | null = null
  /** Our writes wait for a drain: a PING is not answered meanwhile (see #onCommand). */
  #backedUp = false
  /** Bytes read after a CURVE handshake while libsodium loads (see #progress); else null. */
  #heldForSodium: Uint8Array[] | null = null

  constructor(carrier: Carrier, config: EngineConfig, handler: EngineHandler) {
    this.#carrier = carrier
    this.#config = config
    this.#handler = handler
    this.#output = carrier.output
    this.#writer = new FrameWriter(this.#output)
    this.#handshake = new Handshake(mechanismFor(config.security, localProperties(config)), {
      greeting: carrier.greeting,
    })
    const carrierPing = carrier.ping
    this.#heartbeat = new Heartbeat(config.heartbeat, {
      ping: (ttl) => {
        // Over ws a WebSocket ping, as libzmq sends (its ws engine ignores ZMTP PINGs).
        if (carrierPing) carrierPing()
        else this.writeEncoded(pingFrame(ttl))
        this.flush()
      },
      // Not a protocol error: as in libzmq, a connecter dials again after a heartbeat timeout.
      expire: (reason) => this.#fail(new ZmqError("EAGAIN", reason)),
    })
    carrier.start({
      data: (bytes, ephemeral) => this.#onData(bytes, ephemeral),
      readTarget: () => (this.#state === State.Ready ? this.#reader!.readTarget() : null),
      readSize: () =>
        this.#state === State.Ready ? this.#reader!.readSize() : Number.POSITIVE_INFINITY,
      filled: (count) => this.#onFilled(count),
      frame: (flags, body) => this.#onFrame(flags, body),
      alive: () => this.#heartbeat.heard(),
      drain: () => {
        this.#backedUp = false
        handler.drain()
      },
      closed: (error) => this.#finish(error ? asZmqError(error) : null),
    })
    if (config.handshakeInterval > 0) {
      this.#timer = setTimeout(
        // EAGAIN, as libzmq reports a handshake timeout (not a protocol error).
        () => this.#fail(new ZmqError("EAGAIN", "ZMTP handshake timed out")),
        config.handshakeInterval,
      )
    }
    if (carrier.bare) this.#beginBare()
    else if (carrier.greeting) {
      this.#output.bytes(this.#handshake.start())
      this.#output.flush()
      this.#handshake.prepare()
    } else {
      this.#progress(this.#handshake.begin())
    }
  }

  get ready(): boolean {
    return this.#state === State.Ready
  }

  /** ZMTP minor version of the peer (valid once ready). */
  get peerMinor(): number {
    return this.#peerMinor
  }

  /** The peer's address, for ZAP: an IP for tcp and ws, empty for ipc. */
  get peerAddress(): string {
    return this.#carrier.remoteAddress
  }

  /**
   * Appends one frame. `owned` says the caller will never touch `body` again, which lets a large
   * frame be written without a copy; other bodies are copied now (ring memory is reused).
   */
  writeFrame(body: Uint8Array, more: boolean, owned: boolean, command = false): void {
    this.#writer.frame(body, more, owned, command)
  }

  /** Appends a frame header alone; the body follows through writeBytes / writeOwned. */
  writeFrameHeader(size: number, more: boolean): void {
    this.#writer.header(size, more)
  }

  /** Appends raw body bytes (copied: the caller's memory may be reused). */
  writeBytes(bytes: Uint8Array): void {
    this.#writer.bytes(bytes)
  }

  /** Appends body bytes the caller will never touch again: written without a copy. */
  writeOwned(bytes: Uint8Array, written?: () => void): void {
    this.#writer.owned(bytes, written)
  }

  /** Appends a frame already encoded with its header (a command from the zmtp module). */
  writeEncoded(frame: Uint8Array): void {
    this.#writer.encoded(frame)
  }

  /** Writes everything gathered. Returns false when the stream wants a `drain` first. */
  flush(): boolean {
    if (this.#state === State.Closed) return true
    const written = this.#output.flush()
    this.#backedUp = !written
    return written
  }

  pause(): void {
    this.#carrier.pause()
  }

  resume(): void {
    if (this.#state !== State.Closed) this.#carrier.resume()
  }

  /** The ZAP handler's answer to `handler.authenticate` (null: no handler is bound). */
  zapAnswer(answer: ZapAnswer | null): void {
    if (this.#state !== State.Handshake) return
    this.#zap = answer
    this.#zapAsked = false
    if (this.#zapPaused) {
      this.#zapPaused = false
      this.#carrier.resume()
    }
    try {
      this.#progress(this.#handshake.zapAnswer(answer))
    } catch (err) {
      this.#fail(asZmqError(err))
    }
  }

  /** Flushes and ends the stream gracefully; resolves once it has closed. */
  end(): Promise<void> {
    if (this.#state === State.Closed) return Promise.resolve()
    this.flush()
    return new Promise<void>((resolve) => this.#carrier.end(resolve))
  }

  destroy(): void {
    this.#carrier.destroy()
    this.#finish(null)
  }

  #onData(chunk: Uint8Array, ephemeral: boolean): void {
    this.#heartbeat.heard()
    if (this.#heldForSodium) {
      this.#heldForSodium.push(ephemeral ? chunk.slice() : chunk)
      return
    }
    // No closure per chunk: this runs for every read.
    try {
      if (this.#state === State.Handshake && !this.#carrier.bare) {
        // The handshake may keep views of what it read (property values, the rest after it).
        this.#progress(this.#handshake.push(ephemeral ? new Uint8Array(chunk) : chunk))
      } else this.#reader?.push(chunk, ephemeral)
    } catch (err) {
      this.#fail(asZmqError(err))
    }
  }

  #onFilled(count: number): void {
    if (this.#state !== State.Ready) return // a read landing after the close
    this.#heartbeat.heard()
    try {
      this.#reader?.filled(count)
    } catch (err) {
      this.#fail(asZmqError(err))
    }
  }

  #onFrame(flags: number, body: Uint8Array): void {
    if (this.#state === State.Handshake && !this.#carrier.bare) {
      // The handshake reads bytes: the frame as ZMTP encodes it.
      const frame = new Uint8Array(frameHeaderSize(body.byteLength) + body.byteLength)
      frame.set(body, writeFrameHeader(frame, 0, flags, body.byteLength))
      this.#onData(frame, false)
      return
    }
    this.#heartbeat.heard()
    try {
      this.#reader?.frame(flags, body)
    } catch (err) {
      this.#fail(asZmqError(err))
    }
  }

  #progress(progress: HandshakeProgress): void {
    for (const frame of progress.send) this.#output.bytes(frame)
    this.flush()
    if (!progress.failure && !progress.zap && !progress.done) this.#handshake.prepare()
    if (progress.failure) {
      // The ERROR command goes out before the connection closes.
      const error = asZmqError(progress.failure)
      this.#refusal = error
      this.#carrier.pause()
      this.#carrier.end(() => this.#fail(error))
      return
    }
    if (progress.zap) {
      this.#zapAsked = true
      this.#handler.authenticate(progress.zap) // may answer before it returns (no handler)
      if (this.#zapAsked) {
        this.#zapPaused = true
        this.#carrier.pause() // nothing more is read until the handler answers
      }
      return
    }
    if (progress.done) {
      const loading = progress.done.cipher ? sodiumLoading() : null
      if (loading) {
        this.#awaitSodium(loading, progress.done, progress.rest)
        return
      }
      this.#onHandshake(progress.done)
      if (progress.rest && this.#state === State.Ready) this.#reader!.push(progress.rest)
    }
  }

  /**
   * A CURVE handshake ended before libsodium had loaded on this thread (the first connection
   * here): the connection is ready only once it has, at most SODIUM_WAIT_MS later, and reads
   * meanwhile are held. Otherwise every message queued during the handshake, and all sent until
   * the load got a turn of the event loop, was sealed by tweetnacl at a quarter of the speed:
   * ~100 ms of a busy sender's start (BENCHMARKS.md, session 11). Costs the first connection's
   * first message up to the load's remaining ~15 ms.
   */
  #awaitSodium(loading: Promise<boolean>, done: HandshakeResult, rest?: Uint8Array): void {
    this.#heldForSodium = rest ? [rest] : []
    this.#carrier.pause()
    const go = (): void => {
      clearTimeout(timer)
      const held = this.#heldForSodium
      this.#heldForSodium = null
      if (!held || this.#state !== State.Handshake) return
      this.#carrier.resume()
      try {
        this.#onHandshake(done)
        for (const chunk of held)
          if ((this.#state as State) === State.Ready) this.#reader!.push(chunk)
      } catch (err) {
        this.#fail(asZmqError(err))
      }
    }
    const timer = setTimeout(go, SODIUM_WAIT_MS)
    void loading.then(go)
  }

  #onHandshake(done: HandshakeResult): void {
    const peer = done.peer
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
    this.#peerMinor = done.peerMinor
    this.#writer.seal(done.cipher)
    this.#reader = this.#readerFor(done.cipher)
    this.#becomeReady({
      socketType: type,
      routingId: identity ?? new Uint8Array(0),
      minor: done.peerMinor,
      metadata: peer,
      zap: this.#zap,
    })
  }

  /**
   * Bare ZWS2.0 (libzmq's ws without a mechanism): our routing id goes first as a message, and
   * the peer's first message is its own. No socket type, no properties, no check between them.
   */
  #beginBare(): void {
    this.#peerMinor = 0 // subscriptions as data frames, as over any ws
    this.writeFrame(this.#config.routingId ?? new Uint8Array(0), false, false)
    this.flush()
    this.#reader = this.#readerFor(null)
  }

  #onBareRoutingId(frames: Uint8Array[]): void {
    const id = frames[0]!
    if (frames.length > 1 || id.byteLength > 255) {
      throw new ZmqError("EPROTO", "bare ZWS2.0: the first message must be a routing id")
    }
    // No type is told: the subprotocol's name stands for it (an empty one means "no handshake").
    const peer = { socketType: BARE_ZWS, routingId: id, minor: 0, metadata: new Map(), zap: null }
    this.#becomeReady(peer)
  }

  #becomeReady(peer: PeerInfo): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#state = State.Ready
    this.#heartbeat.start()
    this.flush()
    this.#handler.ready(peer)
  }

  /** Frames left in a chunk after the connection closed (a handler destroyed it) are dropped. */
  #readerFor(cipher: MessageCipher | null): FrameReader {
    const handler = this.#handler
    const ready = (): boolean => this.#state === State.Ready
    return new FrameReader(
      {
        message: (frames) => {
          if (ready()) handler.message(frames)
          else if (this.#state === State.Handshake) this.#onBareRoutingId(frames)
        },
        frameStart: (size, more) => {
          if (ready()) handler.frameStart(size, more)
          else if (this.#state === State.Handshake)
            throw new ZmqError("EPROTO", "bare ZWS2.0: routing id too large")
        },
        frameData: (piece) => ready() && handler.frameData(piece),
        frameTarget: () => (ready() ? handler.frameTarget() : null),
        frameFilled: (count) => ready() && handler.frameFilled(count),
        command: (command) => ready() && this.#onCommand(command),
      },
      cipher,
      this.#config.maxMessageSize,
      this.#config.streamFrom,
    )
  }

  #onCommand(command: Command): void {
    switch (command.name) {
      case "PING": {
        const ping = parsePing(command.data)
        this.#heartbeat.pinged(ping.ttl)
        // A peer that PINGs without reading would make us hold every PONG: none while our
        // writes are backed up (the PING still showed the peer alive).
        if (this.#backedUp) return
        this.writeEncoded(encodePong(ping.context))
        this.flush()
        return
      }
      case "SUBSCRIBE":
      case "CANCEL":
        this.#handler.subscription(command.data, command.name === "SUBSCRIBE")
        return
      // A DISH's JOIN and LEAVE reach its RADIO as (un)subscriptions to one exact group.
      case "JOIN":
      case "LEAVE":
        if (command.data.byteLength > MAX_GROUP) {
          // libzmq's RADIO aborts on these (ZMTP-NOTES); here only the sender goes.
          throw protocolError(
            "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
            `${command.name} group of ${command.data.byteLength} bytes (at most ${MAX_GROUP})`,
          )
        }
        this.#handler.subscription(command.data, command.name === "JOIN")
        return
      case "ERROR":
        throw new ZmqError("EPROTO", "peer sent ERROR")
      default:
        // PONG and commands this version does not know are ignored, as libzmq does.
        return
    }
  }

  #fail(error: ZmqError): void {
    if (this.#state === State.Closed) return
    this.#carrier.destroy()
    this.#finish(error)
  }

  #finish(error: ZmqError | null): void {
    if (this.#state === State.Closed) return
    const handshaken = this.#state === State.Ready
    error ??= this.#refusal
    this.#state = State.Closed
    clearTimeout(this.#timer)
    this.#heartbeat.stop()
    this.#reader?.drop()
    this.#writer.drop()
    this.#handler.closed(error, handshaken)
  }
}
