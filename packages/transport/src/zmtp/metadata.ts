import { protocolError } from "./errors.js"

/** READY/INITIATE properties; keys are lower-cased because names are case-insensitive. */
export type Metadata = Map<string, Uint8Array>

const MAX_NAME = 255

/** Names are sent exactly as given: libzmq matches "Socket-Type"/"Identity" byte-exactly. */
export function encodeMetadata(props: Iterable<[string, Uint8Array]>): Uint8Array {
  const entries: [Uint8Array, Uint8Array][] = []
  let total = 0
  for (const [name, value] of props) {
    const nameBytes = asciiBytes(name)
    if (nameBytes.length === 0 || nameBytes.length > MAX_NAME) {
      throw new RangeError(`metadata name must be 1..${MAX_NAME} bytes: "${name}"`)
    }
    entries.push([nameBytes, value])
    total += 1 + nameBytes.length + 4 + value.length
  }
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  let pos = 0
  for (const [name, value] of entries) {
    out[pos++] = name.length
    out.set(name, pos)
    pos += name.length
    view.setUint32(pos, value.length)
    pos += 4
    out.set(value, pos)
    pos += value.length
  }
  return out
}

export function parseMetadata(data: Uint8Array): Metadata {
  const result: Metadata = new Map()
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let pos = 0
  while (pos < data.length) {
    const nameLen = data[pos++]!
    if (nameLen === 0)
      throw protocolError("ERR_ZMTP_INVALID_METADATA", "metadata property with empty name")
    if (pos + nameLen + 4 > data.length)
      throw protocolError("ERR_ZMTP_INVALID_METADATA", "truncated metadata name")
    let name = ""
    for (let i = 0; i < nameLen; i++) name += String.fromCharCode(data[pos + i]!)
    pos += nameLen
    const valueLen = view.getUint32(pos)
    pos += 4
    if (valueLen > data.length - pos)
      throw protocolError("ERR_ZMTP_INVALID_METADATA", "truncated metadata value")
    // Copied: properties outlive the network chunk they arrived in.
    result.set(name.toLowerCase(), data.slice(pos, pos + valueLen))
    pos += valueLen
  }
  return result
}

function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c > 0x7f) throw new RangeError(`metadata name must be ASCII: "${text}"`)
    out[i] = c
  }
  return out
}
