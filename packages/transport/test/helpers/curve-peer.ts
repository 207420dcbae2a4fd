import { strict as assert } from "node:assert"
import { longNonce, PREFIX, shortNonce } from "../../src/zmtp/curve-boxes.js"
import {
  boxKey,
  CurveCipher,
  curveKeyPairBytes,
  encodeMetadata,
  open,
  randomBytes,
  seal,
} from "../../src/zmtp/mod.js"

/**
 * A CURVE client (RFC 26) written out step by step from the primitives, independently of
 * CurveClient, so that a test can get any one step wrong on purpose. Its correct steps complete
 * a handshake with CurveServer (a test checks that), which is what makes its wrong ones mean
 * something.
 */

export interface KeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export interface Welcome {
  serverTransient: Uint8Array
  /** The 96 bytes to echo in INITIATE: the cookie nonce's tail, then the cookie box. */
  cookie: Uint8Array
}

export interface InitiateOptions {
  /** The cookie to send instead of WELCOME's. */
  cookie?: Uint8Array
  /** INITIATE's short nonce (2: one more than HELLO's). */
  nonce?: bigint
  /** What the vouch box vouches for: the client's transient key, and the server's key. */
  vouchTransient?: Uint8Array
  vouchServer?: Uint8Array
  metadata?: Uint8Array
  /** Flip one byte of the INITIATE box after sealing it. */
  tamperBox?: boolean
}

export class HandmadeCurveClient {
  readonly transient: KeyPair = curveKeyPairBytes()
  readonly serverKey: Uint8Array
  readonly long: KeyPair

  constructor(serverKey: Uint8Array, long: KeyPair = curveKeyPairBytes()) {
    this.serverKey = serverKey
    this.long = long
  }

  /** HELLO's data (after the command name): version, 72 padding bytes, C', nonce, box. */
  helloData(version: readonly [number, number] = [1, 0], nonce = 1n): Uint8Array {
    const data = new Uint8Array(2 + 72 + 32 + 8 + 80)
    data[0] = version[0]
    data[1] = version[1]
    data.set(this.transient.publicKey, 74)
    new DataView(data.buffer).setBigUint64(106, nonce)
    const key = boxKey(this.serverKey, this.transient.secretKey)
    data.set(seal(key, shortNonce(PREFIX.hello, nonce), new Uint8Array(64)), 114)
    return data
  }

  /** Opens WELCOME's data: the server's transient key and the cookie. */
  welcome(data: Uint8Array): Welcome {
    assert.equal(data.byteLength, 16 + 144, "WELCOME data size")
    const key = boxKey(this.serverKey, this.transient.secretKey)
    const plain = open(key, longNonce(PREFIX.welcome, data.subarray(0, 16)), data.subarray(16))
    assert.ok(plain, "the WELCOME box opens")
    return { serverTransient: plain.slice(0, 32), cookie: plain.slice(32, 128) }
  }

  /** The key both transient pairs share: INITIATE, READY and MESSAGE boxes. */
  session(welcome: Welcome): Uint8Array {
    return boxKey(welcome.serverTransient, this.transient.secretKey)
  }

  /** INITIATE's data: cookie, short nonce, Box[C + vouch nonce + vouch + metadata](C'->S'). */
  initiateData(welcome: Welcome, options: InitiateOptions = {}): Uint8Array {
    const vouchPlain = new Uint8Array(64)
    vouchPlain.set(options.vouchTransient ?? this.transient.publicKey)
    vouchPlain.set(options.vouchServer ?? this.serverKey, 32)
    const vouchTail = randomBytes(16)
    const vouch = seal(
      boxKey(welcome.serverTransient, this.long.secretKey),
      longNonce(PREFIX.vouch, vouchTail),
      vouchPlain,
    )
    const metadata = options.metadata ?? encodeMetadata([])
    const inner = new Uint8Array(32 + 16 + 80 + metadata.byteLength)
    inner.set(this.long.publicKey)
    inner.set(vouchTail, 32)
    inner.set(vouch, 48)
    inner.set(metadata, 128)
    const nonce = options.nonce ?? 2n
    const box = seal(this.session(welcome), shortNonce(PREFIX.initiate, nonce), inner)
    if (options.tamperBox) box[box.byteLength - 1]! ^= 0x01
    const data = new Uint8Array(96 + 8 + box.byteLength)
    data.set(options.cookie ?? welcome.cookie)
    new DataView(data.buffer).setBigUint64(96, nonce)
    data.set(box, 104)
    return data
  }

  /** Opens READY's data (short nonce, box) to its metadata bytes. */
  ready(welcome: Welcome, data: Uint8Array): Uint8Array {
    const nonce = new DataView(data.buffer, data.byteOffset).getBigUint64(0)
    const plain = open(this.session(welcome), shortNonce(PREFIX.ready, nonce), data.subarray(8))
    assert.ok(plain, "the READY box opens")
    return plain
  }

  /** The MESSAGE cipher a client has after READY (its messages start at nonce 3). */
  cipher(welcome: Welcome, readyNonce = 1n): CurveCipher {
    return new CurveCipher(this.session(welcome), false, 3n, readyNonce)
  }
}
