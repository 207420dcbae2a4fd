import { ZmtpError } from "./errors.js"

/** A ZMTP 3.x greeting is always exactly 64 bytes. */
export const GREETING_SIZE = 64

export interface Greeting {
  major: number
  minor: number
  mechanism: string
  asServer: boolean
}

const SIGNATURE_SIZE = 10
const MECHANISM_OFFSET = 12
const MECHANISM_SIZE = 20
const AS_SERVER_OFFSET = 32

/** Our greeting: always announce 3.1 (libzmq >= 4.3.3 does the same). */
export function encodeGreeting(mechanism: string, asServer: boolean): Uint8Array {
  const out = new Uint8Array(GREETING_SIZE)
  out[0] = 0xff
  out[9] = 0x7f
  out[10] = 3
  out[11] = 1
  if (mechanism.length > MECHANISM_SIZE) {
    throw new RangeError(`mechanism name longer than ${MECHANISM_SIZE} chars: ${mechanism}`)
  }
  for (let i = 0; i < mechanism.length; i++) {
    const c = mechanism.charCodeAt(i)
    if (c === 0 || c > 0x7f) throw new RangeError(`mechanism name must be ASCII: ${mechanism}`)
    out[MECHANISM_OFFSET + i] = c
  }
  out[AS_SERVER_OFFSET] = asServer ? 1 : 0
  return out
}

/**
 * Checks the first 10 bytes. Padding bytes 1..8 are deliberately not checked:
 * libzmq stores a ZMTP 1.0 length there (identity size + 1), so they are not zero.
 */
export function checkSignature(bytes: Uint8Array): void {
  if (bytes.length < SIGNATURE_SIZE) {
    throw new ZmtpError("EPROTO", `greeting signature needs ${SIGNATURE_SIZE} bytes`)
  }
  if (bytes[0] !== 0xff || ((bytes[9] ?? 0) & 1) !== 1) {
    throw new ZmtpError("EPROTO", "bad ZMTP greeting signature")
  }
}

export function parseGreeting(bytes: Uint8Array): Greeting {
  if (bytes.length < GREETING_SIZE) {
    throw new ZmtpError("EPROTO", `greeting needs ${GREETING_SIZE} bytes, got ${bytes.length}`)
  }
  checkSignature(bytes)
  const major = bytes[10]!
  const minor = bytes[11]!
  // ZMTP 1.0/2.0 peers are not supported; any 3.x or later is.
  if (major < 3) throw new ZmtpError("EPROTO", `unsupported ZMTP version ${major}.${minor}`)
  let mechanism = ""
  for (let i = MECHANISM_OFFSET; i < MECHANISM_OFFSET + MECHANISM_SIZE; i++) {
    const c = bytes[i]!
    if (c === 0) break
    mechanism += String.fromCharCode(c)
  }
  return { major, minor, mechanism, asServer: bytes[AS_SERVER_OFFSET] === 1 }
}
