import { protocolError } from "./errors.js"
import { FLAG_COMMAND, frameHeaderSize, writeFrameHeader } from "./frame.js"
import { encodeMetadata } from "./metadata.js"

export interface Command {
  name: string
  data: Uint8Array
}

const MAX_PING_CONTEXT = 16
const MAX_ERROR_REASON = 255
const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder()

/**
 * Builds a whole command frame. The body is `name-length(1) name data`:
 * a length prefix as libzmq sends it, not the NUL separator from the 3.1 prose.
 */
export function encodeCommand(name: string, data: Uint8Array): Uint8Array {
  if (name.length === 0 || name.length > 255) throw new RangeError(`bad command name "${name}"`)
  const bodySize = 1 + name.length + data.length
  const out = new Uint8Array(frameHeaderSize(bodySize) + bodySize)
  let pos = writeFrameHeader(out, 0, FLAG_COMMAND, bodySize)
  out[pos++] = name.length
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c > 0x7f) throw new RangeError(`command name must be ASCII: "${name}"`)
    out[pos++] = c
  }
  out.set(data, pos)
  return out
}

/** Splits a command frame body; `data` is a view into `body`. */
export function parseCommand(body: Uint8Array): Command {
  if (body.length === 0)
    throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "empty command frame")
  const nameLen = body[0]!
  if (nameLen === 0)
    throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "command with empty name")
  if (1 + nameLen > body.length)
    throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "truncated command name")
  let name = ""
  for (let i = 1; i <= nameLen; i++) name += String.fromCharCode(body[i]!)
  return { name, data: body.subarray(1 + nameLen) }
}

export function encodeReady(props: Iterable<[string, Uint8Array]>): Uint8Array {
  return encodeCommand("READY", encodeMetadata(props))
}

export function encodeError(reason: string): Uint8Array {
  let bytes = utf8Encoder.encode(reason)
  if (bytes.length > MAX_ERROR_REASON) bytes = bytes.subarray(0, MAX_ERROR_REASON)
  const data = new Uint8Array(1 + bytes.length)
  data[0] = bytes.length
  data.set(bytes, 1)
  return encodeCommand("ERROR", data)
}

export function parseError(data: Uint8Array): string {
  if (data.length === 0)
    throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_ERROR", "ERROR command without reason length")
  const len = data[0]!
  if (1 + len > data.length)
    throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_ERROR", "truncated ERROR reason")
  return utf8Decoder.decode(data.subarray(1, 1 + len))
}

/** PING: TTL in deciseconds (uint16, big-endian) then up to 16 context bytes. */
export function encodePing(ttlDeciseconds: number, context: Uint8Array): Uint8Array {
  if (!Number.isInteger(ttlDeciseconds) || ttlDeciseconds < 0 || ttlDeciseconds > 0xffff) {
    throw new RangeError(`PING ttl out of range: ${ttlDeciseconds}`)
  }
  checkContext(context)
  const data = new Uint8Array(2 + context.length)
  data[0] = ttlDeciseconds >>> 8
  data[1] = ttlDeciseconds & 0xff
  data.set(context, 2)
  return encodeCommand("PING", data)
}

/** Longer contexts are cut to 16 bytes (as libzmq does) rather than failing the peer. */
export function parsePing(data: Uint8Array): { ttl: number; context: Uint8Array } {
  if (data.length < 2)
    throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "PING shorter than its TTL field")
  const ttl = (data[0]! << 8) | data[1]!
  return { ttl, context: data.slice(2, 2 + MAX_PING_CONTEXT) }
}

export function encodePong(context: Uint8Array): Uint8Array {
  checkContext(context)
  return encodeCommand("PONG", context)
}

export function encodeSubscribe(topic: Uint8Array): Uint8Array {
  return encodeCommand("SUBSCRIBE", topic)
}

export function encodeCancel(topic: Uint8Array): Uint8Array {
  return encodeCommand("CANCEL", topic)
}

/** Bytes in a RADIO/DISH group, at most (libzmq's ZMQ_GROUP_MAX_LENGTH). */
export const MAX_GROUP = 255

/** A DISH's JOIN (true) or LEAVE: the group follows the name, with no length byte. */
export function encodeJoin(group: Uint8Array, join: boolean): Uint8Array {
  if (group.byteLength > MAX_GROUP) throw new RangeError(`group longer than ${MAX_GROUP} bytes`)
  return encodeCommand(join ? "JOIN" : "LEAVE", group)
}

function checkContext(context: Uint8Array): void {
  if (context.length > MAX_PING_CONTEXT) {
    throw new RangeError(`ping context longer than ${MAX_PING_CONTEXT} bytes`)
  }
}
