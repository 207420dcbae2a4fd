// CURVE peers that speak the protocol well enough to get their boxes opened, and then put
// hostile content inside them: the parsers behind the MACs (metadata, vouch, keys, nonces,
// MESSAGE flags) are unreachable by mutating bytes on the wire. Used by bench/fuzz/targets.js.
import {
  boxKey,
  CURVE_NONCE_PREFIX,
  CurveCipher,
  shortNonce as coreShortNonce,
  curveKeyPairBytes,
  encodeCommand,
  encodeFrame,
  encodeGreeting,
  encodeMetadata,
  longNonce,
  open,
  seal,
} from "@omq/transport/zmtp"
import { concat } from "./mutate.js"

// Nonces as the core builds them; the short-nonce counter may be any bigint (wrapped to 64 bits).
const PREFIX = CURVE_NONCE_PREFIX
const ascii = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0))
const shortNonce = (prefix, counter) => coreShortNonce(prefix, BigInt.asUintN(64, counter))

function u64(value) {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, value))
  return out
}

/** A nonce that is usually the expected one and sometimes not. */
function nonceNear(rng, expected) {
  const r = rng.next()
  if (r < 0.8) return expected
  if (r < 0.9) return expected - BigInt(rng.int(3))
  return BigInt.asUintN(64, BigInt(rng.int(2 ** 31)) * BigInt(rng.int(2 ** 31)))
}

/** Metadata bytes: valid, broken, or random. */
export function hostileMetadata(rng) {
  const r = rng.next()
  const props = [["Socket-Type", ascii(rng.pick(["DEALER", "ROUTER", "PUB", "SUB", "NOPE", ""]))]]
  if (rng.chance(0.5)) props.push(["Identity", rng.bytes(rng.length(300))])
  if (rng.chance(0.3))
    props.push([rng.pick(["X-Long", "User-Id", "a"]), rng.bytes(rng.length(2000))])
  const valid = encodeMetadata(props)
  if (r < 0.5) return valid
  if (r < 0.8) {
    // a length field made to lie
    const bytes = valid.slice()
    const at = rng.int(Math.max(1, bytes.byteLength))
    if (bytes.byteLength > 0) bytes[at] = rng.pick([0, 0xff, 0x7f, 0x80, bytes[at] + 1])
    return rng.chance(0.5) ? bytes : bytes.subarray(0, rng.int(bytes.byteLength + 1))
  }
  return rng.bytes(rng.length(600))
}

/** A sequence of MESSAGE frames sealed with `cipher`, some of them spoiled. */
export function hostileMessages(rng, cipher) {
  const frames = []
  for (let i = rng.int(6); i > 0; i--) {
    const flags = rng.int(256) // bits beyond MORE and COMMAND must be ignored
    const body = rng.chance(0.5) && flags & 2 ? hostileCommandBody(rng) : rng.bytes(rng.length(400))
    let box = cipher.seal(flags, body)
    const spoil = rng.next()
    if (spoil < 0.15) box = box.slice(0, rng.int(box.byteLength + 1))
    else if (spoil < 0.3) {
      box = box.slice()
      box[rng.int(box.byteLength)] ^= 1 << rng.int(8)
    }
    const frame = encodeFrame(box, rng.chance(0.1) ? 4 : 0)
    frames.push(frame)
    if (rng.chance(0.1)) frames.push(frame) // a replay
  }
  return frames
}

/** A command body as one would travel boxed: PING, PONG, SUBSCRIBE, junk. */
function hostileCommandBody(rng) {
  const name = rng.pick(["PING", "PONG", "SUBSCRIBE", "CANCEL", "ERROR", "READY", "X"])
  const frame = encodeCommand(name, rng.bytes(rng.length(40)))
  const body = frame.subarray(frame[0] & 2 ? 9 : 2)
  return rng.chance(0.1) ? body.subarray(0, rng.int(body.byteLength + 1)) : body
}

/**
 * A client that knows its keys: its HELLO always opens, its INITIATE is a real box around
 * hostile contents. Its keys are made once; the server makes fresh ones each connection.
 */
export class HostileCurveClient {
  constructor(serverPublic, long) {
    this.serverPublic = serverPublic
    this.long = long
    this.transient = curveKeyPairBytes()
    this.helloKey = boxKey(serverPublic, this.transient.secretKey)
  }

  greeting() {
    return encodeGreeting("CURVE", false)
  }

  hello(rng) {
    const data = new Uint8Array(194)
    data[0] = 1
    if (rng.chance(0.05)) data[rng.int(2)] = rng.int(3)
    data.set(this.transient.publicKey, 74)
    const nonce = rng.chance(0.9) ? 1n : nonceNear(rng, 1n)
    data.set(u64(nonce), 106)
    data.set(seal(this.helloKey, shortNonce(PREFIX.hello, nonce), new Uint8Array(64)), 114)
    return { frame: encodeCommand("HELLO", data), nonce }
  }

  /** INITIATE for the WELCOME `data`, or null when WELCOME does not open (it always should). */
  initiate(rng, data, helloNonce) {
    if (data.byteLength !== 160) return null
    const plain = open(
      this.helloKey,
      longNonce(PREFIX.welcome, data.subarray(0, 16)),
      data.subarray(16),
    )
    if (!plain) return null
    const serverTransient = plain.subarray(0, 32)
    const cookie = plain.slice(32, 128)
    if (rng.chance(0.05)) cookie[rng.int(96)] ^= 1 << rng.int(8)
    const session = boxKey(serverTransient, this.transient.secretKey)

    const vouchPlain = concat([this.transient.publicKey, this.serverPublic])
    const v = rng.next()
    if (v < 0.05) vouchPlain.set(rng.bytes(32), 0)
    else if (v < 0.1) vouchPlain.set(rng.bytes(32), 32)
    const vouchTail = rng.bytes(16)
    const vouchKey = v > 0.95 ? curveKeyPairBytes().secretKey : this.long.secretKey
    const vouch = seal(
      boxKey(serverTransient, vouchKey),
      longNonce(PREFIX.vouch, vouchTail),
      vouchPlain,
    )
    let clientKey = this.long.publicKey
    if (rng.chance(0.03)) clientKey = rng.chance(0.5) ? new Uint8Array(32) : rng.bytes(32)

    const inner = concat([clientKey, vouchTail, vouch, hostileMetadata(rng)])
    const nonce = nonceNear(rng, helloNonce + 1n)
    let box = seal(session, shortNonce(PREFIX.initiate, nonce), inner)
    if (rng.chance(0.03)) box = box.subarray(0, rng.int(box.byteLength))
    const out = concat([cookie, u64(nonce), box])
    return { frame: encodeCommand("INITIATE", out), session, nonce }
  }

  /** The MESSAGE cipher after READY (client's MESSAGEs start at INITIATE's nonce + 1). */
  cipher(session, initiateNonce) {
    return new CurveCipher(session, false, initiateNonce + 1n, 0n)
  }
}

/** A server that knows its keys: its WELCOME and READY are real boxes around hostile contents. */
export class HostileCurveServer {
  constructor(long) {
    this.long = long
    this.transient = curveKeyPairBytes()
  }

  greeting() {
    return encodeGreeting("CURVE", true)
  }

  /** WELCOME for a client's HELLO data; remembers the client's transient key. */
  welcome(rng, hello) {
    const clientTransient = hello.subarray(74, 106)
    this.clientTransient = clientTransient.slice()
    const key = boxKey(clientTransient, this.long.secretKey)
    const plain = new Uint8Array(128)
    const t = rng.next()
    if (t < 0.05)
      plain.set(new Uint8Array(32)) // a small-order transient key
    else if (t < 0.1) plain.set(rng.bytes(32))
    else plain.set(this.transient.publicKey)
    plain.set(rng.bytes(96), 32) // the cookie is opaque to the client
    const tail = rng.bytes(16)
    let data = concat([tail, seal(key, longNonce(PREFIX.welcome, tail), plain)])
    if (rng.chance(0.03)) data = data.subarray(0, rng.int(data.byteLength))
    return encodeCommand("WELCOME", data)
  }

  /** READY with hostile metadata, and the key the client will use for MESSAGEs. */
  ready(rng) {
    const session = boxKey(this.clientTransient, this.transient.secretKey)
    const nonce = nonceNear(rng, 1n)
    const box = seal(session, shortNonce(PREFIX.ready, nonce), hostileMetadata(rng))
    return { frame: encodeCommand("READY", concat([u64(nonce), box])), session, nonce }
  }

  cipher(session, readyNonce) {
    return new CurveCipher(session, true, readyNonce + 1n, 0n)
  }
}
