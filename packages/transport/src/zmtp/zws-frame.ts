import { protocolError } from "./errors.js"
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from "./frame.js"

/**
 * ZWS 2.0 (RFC 45) carries one ZMTP frame per WebSocket binary message: a flags byte, then the
 * body, with no size (the message has one). Its flags differ from ZMTP's: MORE is 0x01 and
 * COMMAND is 0x02 (ZMTP: 0x04; ZMTP's LONG has no place). These convert one whole frame either
 * way, so the stream code (Handshake, FrameDecoder) serves ws connections unchanged.
 *
 * Pure: no IO. See ../shared/ZMTP-NOTES.md, "WebSocket", for what libzmq does on the wire.
 */
export const ZWS_MORE = 0x01
export const ZWS_COMMAND = 0x02

/** One whole ZMTP frame (header then body, as encodeFrame/encodeCommand make it) as a ZWS payload. */
export function zwsPayloadOfFrame(frame: Uint8Array): Uint8Array {
  const flags = frame[0]!
  const header = flags & FLAG_LONG ? 9 : 2
  const payload = new Uint8Array(1 + frame.byteLength - header)
  payload[0] = (flags & FLAG_MORE ? ZWS_MORE : 0) | (flags & FLAG_COMMAND ? ZWS_COMMAND : 0)
  payload.set(frame.subarray(header), 1)
  return payload
}

/**
 * A ZWS payload as one ZMTP frame (header then body). An empty payload is a protocol error, as
 * libzmq refuses it; other flag bits are ignored, as ZMTP's reserved bits are.
 */
export function zmtpFrameOfZwsPayload(payload: Uint8Array): Uint8Array {
  const header = zmtpHeaderOfZwsPayload(payload)
  const frame = new Uint8Array(header.byteLength + payload.byteLength - 1)
  frame.set(header)
  frame.set(payload.subarray(1), header.byteLength)
  return frame
}

/**
 * The ZMTP header (flags and size) of the frame a ZWS payload carries; its body is
 * `payload.subarray(1)`.
 */
function zmtpHeaderOfZwsPayload(payload: Uint8Array): Uint8Array {
  if (payload.byteLength === 0) {
    throw protocolError("ERR_ZMTP_UNSPECIFIED", "empty ZWS message (no flags byte)")
  }
  const zws = payload[0]!
  const size = payload.byteLength - 1
  const flags = (zws & ZWS_MORE ? FLAG_MORE : 0) | (zws & ZWS_COMMAND ? FLAG_COMMAND : 0)
  if (size <= 255) return Uint8Array.of(flags, size)
  const header = new Uint8Array(9)
  header[0] = flags | FLAG_LONG
  const view = new DataView(header.buffer)
  view.setUint32(1, Math.floor(size / 0x1_0000_0000))
  view.setUint32(5, size >>> 0)
  return header
}
