import { type Command, encodeCommand } from "./command.js"
import {
  CurveCipher,
  longNonce,
  openOrFail,
  PREFIX,
  readShortNonce,
  shortNonce,
} from "./curve-boxes.js"
import { boxKey, curveKeyPairBytes, randomBytes, seal } from "./curve-crypto.js"
import { protocolError } from "./errors.js"
import { MAX_METADATA_COMMAND, type Mechanism, type MechanismStep } from "./mechanism.js"
import { encodeMetadata, parseMetadata } from "./metadata.js"
import { peerRefusal } from "./peer-refusal.js"

export interface CurveClientKeys {
  /** The server's long-term public key. */
  serverKey: Uint8Array
  /** Our long-term key pair. */
  publicKey: Uint8Array
  secretKey: Uint8Array
}

/** HELLO: version, 72 bytes of padding (the grammar's count), C', short nonce, box of 64 zeros. */
const HELLO_DATA = 2 + 72 + 32 + 8 + 80
const WELCOME_DATA = 16 + 144

enum Step {
  Hello,
  Initiate,
  Done,
}

/**
 * CURVE client (RFC 26): HELLO → (WELCOME) → INITIATE → (READY). Keys live in this object only
 * for the handshake; afterwards only the session key stays, inside the cipher.
 */
export class CurveClient implements Mechanism {
  readonly name = "CURVE"
  readonly asServer = false
  readonly maxCommandSize = MAX_METADATA_COMMAND
  readonly #localProps: [string, Uint8Array][]
  readonly #keys: CurveClientKeys
  readonly #transient = curveKeyPairBytes()
  #step = Step.Hello
  /** The box key between our transient key and the server's long-term one (HELLO, WELCOME). */
  readonly #helloKey: Uint8Array
  /** Box key between our transient key and the server's transient key, once known. */
  #session: Uint8Array | null = null
  #peerNonce = 0n
  #cipher: CurveCipher | null = null

  constructor(localProps: Iterable<[string, Uint8Array]>, keys: CurveClientKeys) {
    this.#localProps = [...localProps]
    this.#keys = keys
    this.#helloKey = boxKey(keys.serverKey, this.#transient.secretKey)
  }

  start(): MechanismStep {
    const data = new Uint8Array(HELLO_DATA)
    data[0] = 1 // version 1.0
    data.set(this.#transient.publicKey, 74)
    const nonce = 1n
    new DataView(data.buffer).setBigUint64(106, nonce)
    data.set(seal(this.#helloKey, shortNonce(PREFIX.hello, nonce), new Uint8Array(64)), 114)
    return { send: [encodeCommand("HELLO", data)] }
  }

  onCommand({ name, data }: Command): MechanismStep {
    if (name === "ERROR") throw peerRefusal(data)
    if (this.#step === Step.Hello && name === "WELCOME") return this.#welcome(data)
    if (this.#step === Step.Initiate && name === "READY") return this.#ready(data)
    throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", `unexpected ${name} in CURVE handshake`)
  }

  #welcome(data: Uint8Array): MechanismStep {
    if (data.byteLength !== WELCOME_DATA) {
      throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "CURVE WELCOME of wrong size")
    }
    const plain = openOrFail(
      this.#helloKey,
      longNonce(PREFIX.welcome, data.subarray(0, 16)),
      data.subarray(16),
      "WELCOME",
    )
    const serverTransient = plain.subarray(0, 32)
    const cookie = plain.subarray(32, 128)
    this.#session = boxKey(serverTransient, this.#transient.secretKey)

    const vouchTail = randomBytes(16)
    const vouchPlain = new Uint8Array(64)
    vouchPlain.set(this.#transient.publicKey)
    vouchPlain.set(this.#keys.serverKey, 32)
    const vouchBox = seal(
      boxKey(serverTransient, this.#keys.secretKey),
      longNonce(PREFIX.vouch, vouchTail),
      vouchPlain,
    )
    const metadata = encodeMetadata(this.#localProps)
    const inner = new Uint8Array(32 + 16 + 80 + metadata.byteLength)
    inner.set(this.#keys.publicKey)
    inner.set(vouchTail, 32)
    inner.set(vouchBox, 48)
    inner.set(metadata, 128)
    const nonce = 2n
    const box = seal(this.#session, shortNonce(PREFIX.initiate, nonce), inner)
    const out = new Uint8Array(96 + 8 + box.byteLength)
    out.set(cookie)
    new DataView(out.buffer).setBigUint64(96, nonce)
    out.set(box, 104)
    this.#step = Step.Initiate
    return { send: [encodeCommand("INITIATE", out)] }
  }

  #ready(data: Uint8Array): MechanismStep {
    if (data.byteLength < 8 + 16) {
      throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_READY", "CURVE READY too short")
    }
    const nonce = readShortNonce(data, 0)
    if (nonce <= this.#peerNonce) {
      throw protocolError("ERR_ZMTP_INVALID_SEQUENCE", "CURVE READY nonce did not increase")
    }
    const session = this.#session!
    const metadata = openOrFail(session, shortNonce(PREFIX.ready, nonce), data.subarray(8), "READY")
    this.#peerNonce = nonce
    this.#step = Step.Done
    this.#cipher = new CurveCipher(session, false, 3n, nonce)
    return { send: [], peer: parseMetadata(metadata) }
  }

  onZap(): MechanismStep {
    throw protocolError("ERR_ZAP_UNSPECIFIED", "a CURVE client does not ask ZAP")
  }

  cipher(): CurveCipher | null {
    return this.#cipher
  }
}
