import { type Command, encodeCommand, encodeError } from "./command.js"
import {
  CurveCipher,
  longNonce,
  openOrFail,
  PREFIX,
  readShortNonce,
  sameBytes,
  shortNonce,
} from "./curve-boxes.js"
import { boxKey, curveKeyPairBytes, publicKeyOf, randomBytes, seal } from "./curve-crypto.js"
import { protocolError } from "./errors.js"
import {
  MAX_METADATA_COMMAND,
  type Mechanism,
  type MechanismStep,
  type ZapAnswer,
  type ZapPolicy,
} from "./mechanism.js"
import { encodeMetadata, type Metadata, parseMetadata } from "./metadata.js"
import { checkZapAnswer, noZapHandler, peerRefusal, zapRefusal } from "./peer-refusal.js"

const HELLO_BODY = 200
const HELLO_DATA = HELLO_BODY - 6
/** INITIATE's fixed part: cookie (96), short nonce, and the box of C, vouch nonce and vouch. */
const INITIATE_FIXED = 96 + 8 + 16 + 32 + 16 + 80

enum Step {
  Hello,
  Initiate,
  Zap,
  Done,
}

/**
 * CURVE server (RFC 26): (HELLO) → WELCOME → (INITIATE) → READY, asking ZAP in between as
 * libzmq does: whenever a handler is bound, unless zapEnforceDomain is set without a zapDomain;
 * with no handler the client is accepted unless zapEnforceDomain says otherwise.
 *
 * The cookie key is made per connection, so a cookie from another connection never opens.
 */
export class CurveServer implements Mechanism {
  readonly name = "CURVE"
  readonly asServer = true
  readonly #localProps: [string, Uint8Array][]
  readonly #secretKey: Uint8Array
  readonly #publicKey: Uint8Array
  readonly #zap: ZapPolicy
  #step = Step.Hello
  #clientTransient: Uint8Array | null = null
  #transient: { publicKey: Uint8Array; secretKey: Uint8Array } | null = null
  #cookieKey: Uint8Array | null = null
  /** The session key (C' with S'): prepared while the client makes INITIATE, or made on it. */
  #session: Uint8Array | null = null
  #peerNonce = 0n
  #peer: Metadata | null = null
  #cipher: CurveCipher | null = null

  /** `publicKey`, when the caller knows it, saves a scalar multiplication per connection. */
  constructor(
    localProps: Iterable<[string, Uint8Array]>,
    secretKey: Uint8Array,
    zap: ZapPolicy,
    publicKey: Uint8Array = publicKeyOf(secretKey),
  ) {
    this.#localProps = [...localProps]
    this.#secretKey = secretKey
    this.#publicKey = publicKey
    this.#zap = zap
  }

  get maxCommandSize(): number {
    return this.#step === Step.Hello ? HELLO_BODY : MAX_METADATA_COMMAND
  }

  start(): MechanismStep {
    return { send: [] }
  }

  onCommand({ name, data }: Command): MechanismStep {
    if (name === "ERROR") throw peerRefusal(data)
    if (this.#step === Step.Hello && name === "HELLO") return this.#hello(data)
    if (this.#step === Step.Initiate && name === "INITIATE") return this.#initiate(data)
    throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", `unexpected ${name} in CURVE handshake`)
  }

  #hello(data: Uint8Array): MechanismStep {
    if (data.byteLength !== HELLO_DATA || data[0] !== 1 || data[1] !== 0) {
      throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "CURVE HELLO is not 200 bytes of 1.0")
    }
    const clientTransient = data.slice(74, 106)
    const nonce = readShortNonce(data, 106)
    // One scalar multiplication serves HELLO and WELCOME: both boxes are between C' and S.
    const helloKey = boxKey(clientTransient, this.#secretKey)
    openOrFail(helloKey, shortNonce(PREFIX.hello, nonce), data.subarray(114), "HELLO")
    this.#peerNonce = nonce
    this.#clientTransient = clientTransient
    const transient = (this.#transient ??= curveKeyPairBytes())
    this.#cookieKey = randomBytes(32)

    const cookieTail = randomBytes(16)
    const cookiePlain = new Uint8Array(64)
    cookiePlain.set(clientTransient)
    cookiePlain.set(transient.secretKey, 32)
    const cookieBox = seal(this.#cookieKey, longNonce(PREFIX.cookie, cookieTail), cookiePlain)
    const welcomePlain = new Uint8Array(128)
    welcomePlain.set(transient.publicKey)
    welcomePlain.set(cookieTail, 32)
    welcomePlain.set(cookieBox, 48)
    const welcomeTail = randomBytes(16)
    const welcomeBox = seal(helloKey, longNonce(PREFIX.welcome, welcomeTail), welcomePlain)
    const out = new Uint8Array(16 + welcomeBox.byteLength)
    out.set(welcomeTail)
    out.set(welcomeBox, 16)
    this.#step = Step.Initiate
    return { send: [encodeCommand("WELCOME", out)] }
  }

  #initiate(data: Uint8Array): MechanismStep {
    if (data.byteLength < INITIATE_FIXED) {
      throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_INITIATE", "CURVE INITIATE too short")
    }
    const transient = this.#transient!
    const clientTransient = this.#clientTransient!
    const cookie = openOrFail(
      this.#cookieKey!,
      longNonce(PREFIX.cookie, data.subarray(0, 16)),
      data.subarray(16, 96),
      "cookie",
    )
    if (
      !sameBytes(cookie.subarray(0, 32), clientTransient) ||
      !sameBytes(cookie.subarray(32), transient.secretKey)
    ) {
      throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE cookie is not this connection's")
    }
    const nonce = readShortNonce(data, 96)
    if (nonce <= this.#peerNonce) {
      throw protocolError("ERR_ZMTP_INVALID_SEQUENCE", "CURVE INITIATE nonce did not increase")
    }
    const session = this.#session ?? boxKey(clientTransient, transient.secretKey)
    const inner = openOrFail(
      session,
      shortNonce(PREFIX.initiate, nonce),
      data.subarray(104),
      "INITIATE",
    )
    this.#peerNonce = nonce
    const clientKey = inner.slice(0, 32)
    const vouch = openOrFail(
      boxKey(clientKey, transient.secretKey),
      longNonce(PREFIX.vouch, inner.subarray(32, 48)),
      inner.subarray(48, 128),
      "vouch",
    )
    if (
      !sameBytes(vouch.subarray(0, 32), clientTransient) ||
      !sameBytes(vouch.subarray(32, 64), this.#publicKey)
    ) {
      throw protocolError("ERR_ZMTP_KEY_EXCHANGE", "CURVE vouch does not match the client")
    }
    this.#session = session
    this.#peer = parseMetadata(inner.subarray(128))
    if (this.#zap.domain || !this.#zap.enforce) {
      this.#step = Step.Zap
      return { send: [], zap: { mechanism: "CURVE", credentials: [clientKey] } }
    }
    return this.#ready()
  }

  /**
   * While the client reads our greeting and makes HELLO: our transient key pair. While it opens
   * WELCOME and makes INITIATE: the session key (between the two transient keys), which only
   * INITIATE's box needs. Each is a scalar multiplication the client would otherwise wait for.
   */
  prepare(): void {
    try {
      if (this.#step === Step.Hello) this.#transient ??= curveKeyPairBytes()
      else if (this.#step === Step.Initiate && this.#transient && this.#clientTransient)
        this.#session ??= boxKey(this.#clientTransient, this.#transient.secretKey)
    } catch {
      // The step itself computes it again, and fails the handshake properly.
    }
  }

  onZap(answer: ZapAnswer | null): MechanismStep {
    checkZapAnswer(answer)
    if (this.#step !== Step.Zap) throw protocolError("ERR_ZAP_UNSPECIFIED", "unexpected ZAP answer")
    if (!answer) {
      return this.#zap.enforce ? { send: [], failure: noZapHandler() } : this.#ready()
    }
    if (answer.status !== "200") {
      return { send: [encodeError(answer.status)], failure: zapRefusal(answer.status, answer.text) }
    }
    return this.#ready()
  }

  #ready(): MechanismStep {
    const session = this.#session!
    const nonce = 1n
    const box = seal(session, shortNonce(PREFIX.ready, nonce), encodeMetadata(this.#localProps))
    const out = new Uint8Array(8 + box.byteLength)
    new DataView(out.buffer).setBigUint64(0, nonce)
    out.set(box, 8)
    this.#step = Step.Done
    this.#cipher = new CurveCipher(session, true, nonce + 1n, this.#peerNonce)
    // The handshake's secrets are not needed any more.
    this.#transient = null
    this.#cookieKey = null
    return { send: [encodeCommand("READY", out)], peer: this.#peer! }
  }

  cipher(): CurveCipher | null {
    return this.#cipher
  }
}
