import { ZmqError } from "../errors.js"
import {
  frameHeaderSize,
  type MessageCipher,
  writeFrameHeader,
  type ZapAnswer,
} from "../zmtp/mod.js"
import type { Carrier, FrameOutput } from "./carrier.js"
import type { Engine, EngineConfig, EngineHandler, PeerInfo } from "./engine.js"
import { FrameReader } from "./frame-reader.js"
import { FrameWriter } from "./frame-writer.js"
import { HandshakePhase } from "./handshake-phase.js"
import { Heartbeat } from "./heartbeat.js"
import { bareZwsPeer } from "./peer-checks.js"
import { PeerCommands } from "./peer-commands.js"
import { asZmqError, pingFrame } from "./zmtp-engine-support.js"

enum State {
  Handshake,
  Ready,
  Closed,
}

/**
 * One ZMTP 3.x connection over a Carrier (a byte stream, or WebSocket messages): the handshake
 * (NULL, PLAIN or CURVE, driven by HandshakePhase; or bare ZWS2.0's routing ids), then framing,
 * PING/PONG and heartbeats (over ws, the carrier's pings), and under CURVE a MESSAGE box per
 * frame.
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
  readonly #handshake: HandshakePhase
  readonly #heartbeat: Heartbeat
  readonly #commands: PeerCommands
  #reader: FrameReader | null = null
  #state = State.Handshake
  #timer: ReturnType<typeof setTimeout> | undefined
  #peerMinor = 1
  /** Our writes wait for a drain: a PING is not answered meanwhile (see PeerCommands). */
  #backedUp = false

  constructor(carrier: Carrier, config: EngineConfig, handler: EngineHandler) {
    this.#carrier = carrier
    this.#config = config
    this.#handler = handler
    this.#output = carrier.output
    this.#writer = new FrameWriter(this.#output)
    this.#handshake = new HandshakePhase(carrier, config, {
      flush: () => this.flush(),
      authenticate: (query) => handler.authenticate(query),
      ready: (peer, cipher) => this.#onHandshake(peer, cipher),
      read: (chunk) => {
        if (this.#state === State.Ready) this.#reader!.push(chunk)
      },
      fail: (error) => this.#fail(error),
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
    this.#commands = new PeerCommands(this, this.#heartbeat, handler)
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
    else if (carrier.greeting) this.#handshake.greet()
    else this.#handshake.begin()
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
    if (this.#state === State.Handshake) this.#handshake.zapAnswer(answer)
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
    // No closure per chunk: this runs for every read.
    try {
      if (this.#state === State.Handshake && !this.#carrier.bare) {
        this.#handshake.push(chunk, ephemeral)
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

  /** The mechanism handshake is done and the peer passed: messages may travel. */
  #onHandshake(peer: PeerInfo, cipher: MessageCipher | null): void {
    this.#peerMinor = peer.minor
    this.#writer.seal(cipher)
    this.#reader = this.#readerFor(cipher)
    this.#becomeReady(peer)
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
          else if (this.#state === State.Handshake) this.#becomeReady(bareZwsPeer(frames))
        },
        frameStart: (size, more) => {
          if (ready()) handler.frameStart(size, more)
          else if (this.#state === State.Handshake)
            throw new ZmqError("EPROTO", "bare ZWS2.0: routing id too large")
        },
        frameData: (piece) => ready() && handler.frameData(piece),
        frameTarget: () => (ready() ? handler.frameTarget() : null),
        frameFilled: (count) => ready() && handler.frameFilled(count),
        command: (command) => ready() && this.#commands.handle(command, this.#backedUp),
      },
      cipher,
      this.#config.maxMessageSize,
      this.#config.streamFrom,
    )
  }

  #fail(error: ZmqError): void {
    if (this.#state === State.Closed) return
    this.#carrier.destroy()
    this.#finish(error)
  }

  #finish(error: ZmqError | null): void {
    if (this.#state === State.Closed) return
    const handshaken = this.#state === State.Ready
    error ??= this.#handshake.refusal
    this.#state = State.Closed
    clearTimeout(this.#timer)
    this.#heartbeat.stop()
    this.#handshake.drop()
    this.#reader?.drop()
    this.#writer.drop()
    this.#handler.closed(error, handshaken)
  }
}
