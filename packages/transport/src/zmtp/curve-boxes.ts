import { FRAMED_HEADER, open, openFramed, sealFramed } from "./curve-crypto.js"
import { protocolError } from "./errors.js"
import type { MessageCipher } from "./mechanism.js"
import { openedMemory } from "./opened-memory.js"
import { ResidentKey } from "./secretbox-backend.js"

/**
 * What CURVE's two sides share (RFC 26): nonce building, the short-nonce counters, and the
 * MESSAGE box that carries every frame once the handshake is done.
 */

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0))

export const PREFIX = {
  hello: ascii("CurveZMQHELLO---"),
  welcome: ascii("WELCOME-"),
  cookie: ascii("COOKIE--"),
  initiate: ascii("CurveZMQINITIATE"),
  vouch: ascii("VOUCH---"),
  ready: ascii("CurveZMQREADY---"),
  /** MESSAGE boxes sent by the client, and by the server. */
  clientMessage: ascii("CurveZMQMESSAGEC"),
  serverMessage: ascii("CurveZMQMESSAGES"),
} as const

/** A 24-byte nonce: a 16-byte prefix and a short nonce (u64, big-endian). */
export function shortNonce(prefix: Uint8Array, counter: bigint): Uint8Array {
  const nonce = new Uint8Array(24)
  nonce.set(prefix)
  new DataView(nonce.buffer).setBigUint64(16, counter)
  return nonce
}

/** A 24-byte nonce: an 8-byte prefix and 16 bytes (random when sending). */
export function longNonce(prefix: Uint8Array, tail: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(24)
  nonce.set(prefix)
  nonce.set(tail, 8)
  return nonce
}

export function readShortNonce(bytes: Uint8Array, at: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigUint64(0)
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/** A box that does not open is always ERR_ZMTP_CRYPTOGRAPHIC. */
export function openOrFail(
  key: Uint8Array,
  nonce: Uint8Array,
  box: Uint8Array,
  what: string,
): Uint8Array {
  const plain = open(key, nonce, box)
  if (!plain) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", `${what} box does not open`)
  return plain
}

/** The command name that starts every MESSAGE body: "\x07MESSAGE". */
const MESSAGE_NAME = Uint8Array.of(7, ...ascii("MESSAGE"))
const HEADER = MESSAGE_NAME.byteLength + 8
if (HEADER !== FRAMED_HEADER) throw new Error("MESSAGE header must fill NaCl's padding")
const MAC = 16
const FLAG_BITS = 0x03
/** What a MESSAGE adds to a frame's body: its name and short nonce, the flags byte, the MAC. */
export const CURVE_MESSAGE_OVERHEAD = HEADER + MAC + 1

/**
 * MESSAGE boxes. As libzmq does, the box's first byte carries MORE (bit 0) and COMMAND (bit 1),
 * so PING, PONG, SUBSCRIBE and CANCEL travel boxed too; the outer frame is sent as a plain data
 * frame (libzmq's choice), and either kind of outer frame is accepted.
 *
 * Short nonces must rise: a replayed or reordered MESSAGE is a protocol error.
 *
 * Once libsodium has loaded, the key and nonces live in its memory (ResidentKey) until
 * dispose(); tweetnacl boxes with the same key until then. Used on the connection's thread.
 */
export class CurveCipher implements MessageCipher {
  readonly overhead = CURVE_MESSAGE_OVERHEAD
  readonly #key: Uint8Array
  /** The two 24-byte nonces, prefix in place; only the counter changes per message. */
  readonly #sendNonce24: Uint8Array
  readonly #receiveNonce24: Uint8Array
  readonly #sendCounter: DataView
  readonly #receiveCounter: DataView
  /** The counters' 8 bytes (views of the nonces), as they go on the wire. */
  readonly #sendCounterBytes: Uint8Array
  readonly #receiveCounterBytes: Uint8Array
  #sendNonce: bigint
  #peerNonce: bigint
  /** The key in libsodium's memory: null until libsodium serves this thread. */
  #resident: ResidentKey | null = null
  #disposed = false

  constructor(key: Uint8Array, asServer: boolean, nextNonce: bigint, peerNonce: bigint) {
    this.#key = key
    this.#sendNonce24 = shortNonce(asServer ? PREFIX.serverMessage : PREFIX.clientMessage, 0n)
    this.#receiveNonce24 = shortNonce(asServer ? PREFIX.clientMessage : PREFIX.serverMessage, 0n)
    this.#sendCounter = new DataView(this.#sendNonce24.buffer)
    this.#receiveCounter = new DataView(this.#receiveNonce24.buffer)
    this.#sendCounterBytes = this.#sendNonce24.subarray(16)
    this.#receiveCounterBytes = this.#receiveNonce24.subarray(16)
    this.#sendNonce = nextNonce
    this.#peerNonce = peerNonce
  }

  seal(flags: number, body: Uint8Array): Uint8Array {
    const out = new Uint8Array(CURVE_MESSAGE_OVERHEAD + body.byteLength)
    this.sealInto(flags, body, out, 0)
    return out
  }

  sealInto(flags: number, body: Uint8Array, target: Uint8Array, at: number): void {
    if (this.#disposed) throw new Error("CURVE cipher used after its connection ended")
    // The nonce buffer is reused: the primitives do not keep it.
    this.#sendCounter.setBigUint64(16, this.#sendNonce++)
    const resident = this.#residentKey()
    if (!resident?.sealInto(this.#sendCounterBytes, flags & FLAG_BITS, body, target, at + HEADER)) {
      // NaCl's padded layout leaves 16 bytes in front: exactly the name and short nonce.
      const sealed = sealFramed(this.#key, this.#sendNonce24, flags & FLAG_BITS, body)
      target.set(sealed.subarray(HEADER), at + HEADER)
    }
    target.set(MESSAGE_NAME, at)
    target.set(this.#sendCounterBytes, at + MESSAGE_NAME.byteLength)
  }

  open(message: Uint8Array): { flags: number; body: Uint8Array } {
    if (this.#disposed) throw new Error("CURVE cipher used after its connection ended")
    if (message.byteLength < MESSAGE_NAME.byteLength || !startsWithName(message)) {
      throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "CURVE frame is not a MESSAGE")
    }
    if (message.byteLength < this.overhead) {
      throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_MESSAGE", "CURVE MESSAGE too short")
    }
    const nonce = this.#receiveNonce24
    for (let i = 0; i < 8; i++) nonce[16 + i] = message[MESSAGE_NAME.byteLength + i]!
    const counter = this.#receiveCounter.getBigUint64(16)
    if (counter <= this.#peerNonce) {
      throw protocolError("ERR_ZMTP_INVALID_SEQUENCE", "CURVE MESSAGE nonce did not increase")
    }
    const resident = this.#residentKey()
    if (resident) {
      const body = openedMemory(message.byteLength - this.overhead)
      const first = resident.openInto(this.#receiveCounterBytes, message.subarray(HEADER), body)
      if (first >= 0) {
        this.#peerNonce = counter
        return { flags: first & FLAG_BITS, body }
      }
      if (first === -1) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "MESSAGE box does not open")
    }
    // The MESSAGE body is NaCl's padded layout as it stands (header where the padding goes).
    const plain = openFramed(this.#key, nonce, message)
    if (!plain) throw protocolError("ERR_ZMTP_CRYPTOGRAPHIC", "MESSAGE box does not open")
    this.#peerNonce = counter
    return { flags: plain[0]! & FLAG_BITS, body: plain.subarray(1) }
  }

  /** The connection ended: the key is wiped, here and in libsodium's memory. */
  dispose(): void {
    this.#disposed = true
    this.#resident?.release()
    this.#key.fill(0)
  }

  /** Made the first time libsodium serves this thread (it loads after the first handshake). */
  #residentKey(): ResidentKey | null {
    if (this.#resident || this.#disposed) return this.#resident
    this.#resident = ResidentKey.make(this.#key, this.#sendNonce24, this.#receiveNonce24)
    return this.#resident
  }
}

function startsWithName(message: Uint8Array): boolean {
  for (let i = 0; i < MESSAGE_NAME.byteLength; i++) {
    if (message[i] !== MESSAGE_NAME[i]) return false
  }
  return true
}
