import type { ZmqError } from "../errors.js"
import {
  Handshake,
  type HandshakeProgress,
  type HandshakeResult,
  type MessageCipher,
  mechanismFor,
  type SocketType,
  sodiumLoading,
  type ZapAnswer,
  type ZapQuery,
} from "../zmtp/mod.js"
import type { Carrier, FrameOutput } from "./carrier.js"
import type { EngineConfig, PeerInfo } from "./engine.js"
import { checkedPeer } from "./peer-checks.js"
import { asZmqError, localProperties } from "./zmtp-engine-support.js"

/** How long a CURVE connection waits for libsodium at most (see #awaitSodium). */
const SODIUM_WAIT_MS = 100

/** What a HandshakePhase asks of its connection (ZmtpEngine). */
export interface HandshakeHost {
  /** Writes what was gathered (the connection notes a backed-up stream). */
  flush(): void
  /** Asks the ZAP handler; it may answer (`zapAnswer`) before this returns. */
  authenticate(query: ZapQuery): void
  /** The peer passed: messages travel from now on, sealed by `cipher` under CURVE. */
  ready(peer: PeerInfo, cipher: MessageCipher | null): void
  /** Bytes read past the handshake: the start of the first message frames. */
  read(chunk: Uint8Array): void
  fail(error: ZmqError): void
}

/**
 * The mechanism handshake of one ZMTP connection, driven over its Carrier: `Handshake` (pure:
 * bytes in, bytes out) says what to write and when to ask ZAP; this writes it, pauses reading
 * while a ZAP answer is awaited, sends the ERROR of a refusal before the close, and under CURVE
 * holds the reads until libsodium has loaded. Bare ZWS2.0, which has no mechanism, does not come
 * here (see ZmtpEngine#beginBare).
 *
 * Lives on the connection's thread, for the handshake only: none of this is on the message path.
 */
export class HandshakePhase {
  readonly #carrier: Carrier
  readonly #output: FrameOutput
  readonly #socketType: SocketType
  readonly #host: HandshakeHost
  readonly #handshake: Handshake
  /** The ZAP handler's answer, kept for the peer's properties. */
  #zap: ZapAnswer | null = null
  /** Reading paused until the ZAP handler answers (not when it answered at once). */
  #zapPaused = false
  /** Between asking ZAP and its answer. */
  #zapAsked = false
  /** The handshake was refused: the connection closes with this once the ERROR is out. */
  #refusal: ZmqError | null = null
  /** Bytes read after a CURVE handshake while libsodium loads (see #progress); else null. */
  #heldForSodium: Uint8Array[] | null = null
  /** The end of the wait for libsodium, cleared when the connection closes first. */
  #sodiumTimer: ReturnType<typeof setTimeout> | undefined

  constructor(carrier: Carrier, config: EngineConfig, host: HandshakeHost) {
    this.#carrier = carrier
    this.#output = carrier.output
    this.#socketType = config.socketType
    this.#host = host
    this.#handshake = new Handshake(mechanismFor(config.security, localProperties(config)), {
      greeting: carrier.greeting,
    })
  }

  /** Why the handshake was refused (the ERROR we sent), once it was. */
  get refusal(): ZmqError | null {
    return this.#refusal
  }

  /** Starts a carrier that exchanges greetings first (tcp, ipc). */
  greet(): void {
    this.#output.bytes(this.#handshake.start())
    this.#output.flush()
    this.#handshake.prepare()
  }

  /** Starts a carrier without greetings (ZWS): the mechanism's first command goes at once. */
  begin(): void {
    this.#progress(this.#handshake.begin())
  }

  /** Bytes from the peer. `ephemeral`: the memory is reused once this returns. Throws ZmtpError. */
  push(chunk: Uint8Array, ephemeral: boolean): void {
    if (this.#heldForSodium) {
      this.#heldForSodium.push(ephemeral ? chunk.slice() : chunk)
      return
    }
    // The handshake may keep views of what it read (property values, the rest after it).
    this.#progress(this.#handshake.push(ephemeral ? new Uint8Array(chunk) : chunk))
  }

  /** The ZAP handler's answer to `host.authenticate` (null: no handler is bound). */
  zapAnswer(answer: ZapAnswer | null): void {
    this.#zap = answer
    this.#zapAsked = false
    if (this.#zapPaused) {
      this.#zapPaused = false
      this.#carrier.resume()
    }
    try {
      this.#progress(this.#handshake.zapAnswer(answer))
    } catch (err) {
      this.#host.fail(asZmqError(err))
    }
  }

  /** The connection closed: reads held for libsodium are dropped, and it is not made ready. */
  drop(): void {
    this.#heldForSodium = null
    clearTimeout(this.#sodiumTimer)
  }

  #progress(progress: HandshakeProgress): void {
    for (const frame of progress.send) this.#output.bytes(frame)
    this.#host.flush()
    if (!progress.failure && !progress.zap && !progress.done) this.#handshake.prepare()
    if (progress.failure) {
      // The ERROR command goes out before the connection closes.
      const error = asZmqError(progress.failure)
      this.#refusal = error
      this.#carrier.pause()
      this.#carrier.end(() => this.#host.fail(error))
      return
    }
    if (progress.zap) {
      this.#zapAsked = true
      this.#host.authenticate(progress.zap) // may answer before it returns (no handler)
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
      this.#complete(progress.done)
      if (progress.rest) this.#host.read(progress.rest)
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
      clearTimeout(this.#sodiumTimer)
      const held = this.#heldForSodium
      this.#heldForSodium = null
      if (!held) return // closed meanwhile (see drop)
      this.#carrier.resume()
      try {
        this.#complete(done)
        for (const chunk of held) this.#host.read(chunk)
      } catch (err) {
        this.#host.fail(asZmqError(err))
      }
    }
    this.#sodiumTimer = setTimeout(go, SODIUM_WAIT_MS)
    void loading.then(go)
  }

  /** Throws when the peer's socket type or identity does not fit. */
  #complete(done: HandshakeResult): void {
    this.#host.ready(checkedPeer(this.#socketType, done, this.#zap), done.cipher)
  }
}
