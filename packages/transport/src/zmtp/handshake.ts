import { type Command, parseCommand } from "./command.js"
import { protocolError, type ZmtpError } from "./errors.js"
import { FLAG_COMMAND, FLAG_LONG } from "./frame.js"
import { checkSignature, encodeGreeting, GREETING_SIZE, parseGreeting } from "./greeting.js"
import type { Mechanism, MechanismStep, MessageCipher, ZapAnswer, ZapQuery } from "./mechanism.js"
import type { Metadata } from "./metadata.js"
import { libzmqPlainError } from "./peer-refusal.js"

/** The handshake is over: who the peer is, and how messages travel from now on. */
export interface HandshakeResult {
  peer: Metadata
  /** ZMTP minor version the peer announced (0 for 3.0, 1 for 3.1). */
  peerMinor: number
  cipher: MessageCipher | null
}

/** What one call asked of the connection. */
export interface HandshakeProgress {
  /** Bytes to write, in order (the greeting, commands). */
  send: Uint8Array[]
  /** Ask the ZAP handler, then call `zapAnswer`. */
  zap?: ZapQuery
  /** Set once done. */
  done?: HandshakeResult
  /** With `done`: bytes that came after the handshake (message frames). */
  rest?: Uint8Array
  /** Write `send`, then close with this error (the peer was refused, with an ERROR command). */
  failure?: ZmtpError
}

/** How a connection starts its handshake. */
export interface HandshakeOptions {
  /**
   * Exchange ZMTP greetings first (tcp, ipc). False for ZWS (WebSocket): the subprotocol named
   * the mechanism, so its commands go at once (begin()) and the peer is taken as ZMTP 3.0 for
   * subscriptions, which libzmq's ws engine only understands as 0x01/0x00 data frames.
   */
  greeting?: boolean
}

/**
 * The greeting → mechanism → READY sequence of one connection, as pure code: bytes in,
 * bytes out, no IO and no timers. Every stream transport runs it, and tests drive it with byte
 * vectors alone. Over ws (no greeting) its bytes are the ZMTP frames of the ws messages (see
 * zws-frame.ts).
 *
 * Incoming bytes are held only up to the frame the mechanism expects, and a frame larger than
 * the mechanism's current limit drops the peer before anything is allocated for it. While a
 * ZAP answer is awaited, whatever the peer sends waits, unread.
 *
 * Throws ZmtpError on a protocol violation; the connection must then be closed.
 */
export class Handshake {
  readonly #mechanism: Mechanism
  #greeting: Uint8Array | null = new Uint8Array(GREETING_SIZE)
  #greetingLength = 0
  #peerMinor = 1
  /** Bytes received and not yet handled, as they came (see #peek). */
  #pieces: Uint8Array[] = []
  #heldLength = 0
  #waitingForZap = false
  #done = false
  /** Without a greeting: begin() ran (commands that arrive before it wait). */
  #begun = false

  constructor(mechanism: Mechanism, options: HandshakeOptions = {}) {
    this.#mechanism = mechanism
    if (options.greeting === false) {
      this.#greeting = null
      this.#peerMinor = 0
    }
  }

  /** Our greeting: libzmq sends its own in stages, so all 64 bytes go at once, first. */
  start(): Uint8Array {
    if (!this.#greeting) throw new Error("this handshake has no greeting: call begin()")
    return encodeGreeting(this.#mechanism.name, this.#mechanism.asServer)
  }

  /** Without a greeting: the mechanism's first commands (both sides send theirs at once). */
  begin(): HandshakeProgress {
    if (this.#greeting || this.#begun)
      throw new Error("begin() is for a handshake without greeting")
    this.#begun = true
    const progress: HandshakeProgress = { send: [] }
    this.#apply(this.#mechanism.start(), progress)
    return this.#run(progress)
  }

  get done(): boolean {
    return this.#done
  }

  push(chunk: Uint8Array): HandshakeProgress {
    if (this.#done) throw new Error("handshake already done")
    const progress: HandshakeProgress = { send: [] }
    let input = chunk
    if (this.#greeting) {
      const used = this.#readGreeting(input, progress)
      if (used < 0) return progress
      input = input.subarray(used)
    }
    this.#hold(input)
    // Without a greeting, a peer's command may come before our begin(): it waits for it.
    if (!this.#greetingSeen()) return progress
    return this.#run(progress)
  }

  /** Call once the last step's commands are written (see Mechanism.prepare). */
  prepare(): void {
    if (!this.#done) this.#mechanism.prepare?.()
  }

  /** The ZAP handler's answer (null: none is bound). */
  zapAnswer(answer: ZapAnswer | null): HandshakeProgress {
    if (!this.#waitingForZap) throw new Error("no ZAP question is pending")
    this.#waitingForZap = false
    const progress: HandshakeProgress = { send: [] }
    this.#apply(this.#mechanism.onZap(answer), progress)
    // Runs even when the answer ended the handshake: bytes held meanwhile become `rest`.
    return this.#run(progress)
  }

  /** The greeting was read, or there is none and begin() ran. */
  #greetingSeen(): boolean {
    return this.#greeting === null && (this.#begun || this.#greetingLength > 0)
  }

  #readGreeting(chunk: Uint8Array, progress: HandshakeProgress): number {
    const buf = this.#greeting!
    const take = Math.min(GREETING_SIZE - this.#greetingLength, chunk.byteLength)
    buf.set(chunk.subarray(0, take), this.#greetingLength)
    this.#greetingLength += take
    if (this.#greetingLength >= 10) checkSignature(buf)
    if (this.#greetingLength < GREETING_SIZE) return -1
    const greeting = parseGreeting(buf)
    this.#greeting = null
    if (greeting.mechanism !== this.#mechanism.name) {
      throw protocolError(
        "ERR_ZMTP_MECHANISM_MISMATCH",
        `security mechanism mismatch: we use ${this.#mechanism.name}, the peer ${greeting.mechanism}`,
      )
    }
    this.#peerMinor = greeting.major > 3 ? 1 : greeting.minor
    this.#apply(this.#mechanism.start(), progress)
    return take
  }

  /** Handles every whole command held, until done, a ZAP question, or a failure. */
  #run(progress: HandshakeProgress): HandshakeProgress {
    while (!this.#done && !this.#waitingForZap && !progress.failure) {
      const frame = this.#nextFrame()
      if (!frame) break
      if (this.#apply(this.#mechanism.onCommand(frame), progress)) break
    }
    if (progress.done && this.#heldLength > 0) progress.rest = this.#peek(this.#heldLength)
    if (progress.done) {
      this.#pieces = []
      this.#heldLength = 0
    }
    return progress
  }

  /** Records a mechanism step; true when the handshake stopped (done, ZAP or failure). */
  #apply(step: MechanismStep, progress: HandshakeProgress): boolean {
    progress.send.push(...step.send)
    if (step.failure) {
      progress.failure = step.failure
      return true
    }
    if (step.zap) {
      this.#waitingForZap = true
      progress.zap = step.zap
      return true
    }
    if (step.peer) {
      this.#done = true
      progress.done = {
        peer: step.peer,
        peerMinor: this.#peerMinor,
        cipher: this.#mechanism.cipher(),
      }
      return true
    }
    return false
  }

  #hold(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return
    this.#pieces.push(bytes)
    this.#heldLength += bytes.byteLength
  }

  /** The first `length` bytes held, as one array (joined only when a frame is whole). */
  #peek(length: number): Uint8Array {
    const first = this.#pieces[0]!
    if (first.byteLength >= length) return first
    const joined = new Uint8Array(this.#heldLength)
    let at = 0
    for (const piece of this.#pieces) {
      joined.set(piece, at)
      at += piece.byteLength
    }
    this.#pieces = [joined]
    return joined
  }

  /** Drops the first `length` bytes held. */
  #consume(length: number): void {
    const first = this.#pieces[0]!
    this.#heldLength -= length
    if (first.byteLength === length) this.#pieces.shift()
    else this.#pieces[0] = first.subarray(length)
  }

  /** The next whole command frame held, or null while it is incomplete. */
  #nextFrame(): Command | null {
    if (this.#heldLength < 2) return null
    const flags = this.#peek(1)[0]!
    if ((flags & FLAG_COMMAND) === 0) {
      throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "message frame before the handshake")
    }
    const long = (flags & FLAG_LONG) !== 0
    const headerSize = long ? 9 : 2
    if (this.#heldLength < headerSize) return null
    const header = this.#peek(headerSize)
    const view = new DataView(header.buffer, header.byteOffset, headerSize)
    const size = long ? view.getUint32(1) * 0x1_0000_0000 + view.getUint32(5) : header[1]!
    if (size > this.#mechanism.maxCommandSize) {
      throw protocolError(
        "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
        `handshake command of ${size} bytes exceeds ${this.#mechanism.maxCommandSize}`,
      )
    }
    // Pieces are joined once the frame is whole: a frame sent byte by byte costs one copy.
    if (this.#heldLength < headerSize + size) return null
    const frame = this.#peek(headerSize + size)
    const body = frame.subarray(headerSize, headerSize + size)
    this.#consume(headerSize + size)
    const plainError = libzmqPlainError(body)
    return plainError ? { name: "ERROR", data: plainError } : parseCommand(body)
  }
}
