import { parseError } from "./command.js"
import { protocolError, ZmtpError } from "./errors.js"
import { encodeFrame, FLAG_COMMAND } from "./frame.js"
import { type ZapAnswer, zapFailureStatus } from "./mechanism.js"

/**
 * The peer sent ERROR during the handshake. libzmq's reason is the ZAP status ("400") when its
 * handler refused us; other reasons are kept as the message.
 */
export function peerRefusal(data: Uint8Array): ZmtpError {
  const reason = parseError(data)
  const status = /^[345]00$/.test(reason) ? zapFailureStatus(reason) : undefined
  return new ZmtpError("EACCES", `peer refused the handshake: ${reason}`, undefined, status)
}

/** Our ZAP handler refused the peer: the ERROR it gets carries the status code. */
export function zapRefusal(status: string, text: string): ZmtpError {
  const code = zapFailureStatus(status) ?? 500
  return new ZmtpError("EACCES", `ZAP handler refused: ${status} ${text}`.trim(), undefined, code)
}

/** A handler's reply that broke RFC 27 fails the handshake as a protocol error, as in libzmq. */
export function checkZapAnswer(answer: ZapAnswer | null): void {
  if (answer?.malformed) throw protocolError(answer.malformed, `ZAP handler: ${answer.text}`)
}

/** libzmq fails a handshake that needs ZAP when no handler is bound (PLAIN, or enforced). */
export function noZapHandler(): ZmtpError {
  return new ZmtpError("EACCES", "no ZAP handler is bound at inproc://zeromq.zap.01")
}

/**
 * libzmq's PLAIN writes ERROR with the C literal "\x05ERROR", which C reads as the byte 0x5E
 * then "RROR": a 9-byte body of "^RROR", the reason length and the reason. Its PLAIN client
 * recognises only that form, so a PLAIN server refuses in it (any other client fails the
 * handshake either way), and every handshake accepts it as ERROR.
 */
const LIBZMQ_PLAIN_ERROR = Uint8Array.of(0x5e, 0x52, 0x52, 0x4f, 0x52)

/** The reason data when `body` is libzmq's PLAIN ERROR, else null. */
export function libzmqPlainError(body: Uint8Array): Uint8Array | null {
  if (body.byteLength < LIBZMQ_PLAIN_ERROR.byteLength) return null
  for (let i = 0; i < LIBZMQ_PLAIN_ERROR.byteLength; i++) {
    if (body[i] !== LIBZMQ_PLAIN_ERROR[i]) return null
  }
  return body.subarray(LIBZMQ_PLAIN_ERROR.byteLength)
}

/** ERROR as libzmq's PLAIN writes it (see LIBZMQ_PLAIN_ERROR): a whole frame. */
export function encodeLibzmqPlainError(status: string): Uint8Array {
  const body = new Uint8Array(LIBZMQ_PLAIN_ERROR.byteLength + 1 + status.length)
  body.set(LIBZMQ_PLAIN_ERROR)
  body[LIBZMQ_PLAIN_ERROR.byteLength] = status.length
  for (let i = 0; i < status.length; i++) {
    body[LIBZMQ_PLAIN_ERROR.byteLength + 1 + i] = status.charCodeAt(i)
  }
  return encodeFrame(body, FLAG_COMMAND)
}
