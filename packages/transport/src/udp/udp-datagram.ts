import { isIPv4 } from "./udp-endpoint.js"

/**
 * What goes in one udp datagram for RADIO/DISH and DGRAM (libzmq 4.3.5's udp_engine): one
 * message per datagram, nothing else (no greeting, no JOIN). Pure: no `node:` imports.
 *
 *   RADIO/DISH:  +-----------------+-------+------+
 *                | group length u8 | group | body |   at most MAX_UDP_DATAGRAM bytes in all
 *                +-----------------+-------+------+
 *   DGRAM:       the body alone; the peer's address travels beside it, not in it.
 */

/**
 * The most bytes a datagram may hold. libzmq sends from and receives into buffers of this size:
 * it truncates a longer datagram on receipt, and overruns its buffer sending one.
 */
export const MAX_UDP_DATAGRAM = 8192

/**
 * The longest group a RADIO may send over udp. libzmq 4.3.5's DISH reads the length byte as a
 * signed char and aborts on 128 or more, so omq never sends one that long.
 */
export const MAX_UDP_GROUP = 127

/** Bytes of the datagram carrying `body` to `group`. */
export function radioDatagramSize(groupLength: number, bodyLength: number): number {
  return 1 + groupLength + bodyLength
}

/**
 * The datagram of one RADIO message, written into `into` when given (at least its size).
 * RangeError when the group is over MAX_UDP_GROUP or the datagram over MAX_UDP_DATAGRAM: the
 * callers check first, to answer EINVAL or EMSGSIZE.
 */
export function encodeRadioDatagram(
  group: Uint8Array,
  body: Uint8Array,
  into?: Uint8Array,
): Uint8Array {
  if (group.byteLength > MAX_UDP_GROUP) {
    throw new RangeError(`udp group of ${group.byteLength} bytes (at most ${MAX_UDP_GROUP})`)
  }
  const size = radioDatagramSize(group.byteLength, body.byteLength)
  if (size > MAX_UDP_DATAGRAM) {
    throw new RangeError(`udp datagram of ${size} bytes (at most ${MAX_UDP_DATAGRAM})`)
  }
  const out = into ? into.subarray(0, size) : new Uint8Array(size)
  out[0] = group.byteLength
  out.set(group, 1)
  out.set(body, 1 + group.byteLength)
  return out
}

/** A RADIO message taken out of its datagram (views of its bytes, no copies). */
export interface RadioDatagram {
  group: Uint8Array
  body: Uint8Array
}

/**
 * The group and body of a datagram, or null for one to drop silently: empty, longer than
 * MAX_UDP_DATAGRAM (libzmq would have truncated it), or a group running past its end. The
 * length byte is read unsigned, as libzmq's RADIO writes it: a group of 128 to 255 bytes from
 * a libzmq RADIO arrives whole here.
 */
export function decodeRadioDatagram(datagram: Uint8Array): RadioDatagram | null {
  const size = datagram.byteLength
  if (size === 0 || size > MAX_UDP_DATAGRAM) return null
  const end = 1 + datagram[0]!
  if (end > size) return null
  return { group: datagram.subarray(1, end), body: datagram.subarray(end) }
}

/** Where a DGRAM message goes, from its address frame. */
export interface DgramAddress {
  host: string
  port: number
}

/** "255.255.255.255:65535" and libzmq's NUL. */
const LONGEST_ADDRESS = 22

/**
 * A DGRAM address frame: numeric IPv4 `a.b.c.d:port`, with or without the NUL byte libzmq ends
 * the frames it hands out with (so either form sent back works). Null for anything else, which
 * libzmq drops silently: names, port 0, and 255.255.255.255 (libzmq's inet_addr cannot tell
 * it from an error).
 */
export function parseDgramAddress(frame: Uint8Array): DgramAddress | null {
  let length = frame.byteLength
  if (length > 0 && frame[length - 1] === 0) length--
  if (length === 0 || length > LONGEST_ADDRESS - 1) return null
  let text = ""
  for (let i = 0; i < length; i++) text += String.fromCharCode(frame[i]!)
  const colon = text.lastIndexOf(":")
  const host = text.slice(0, colon)
  const portText = text.slice(colon + 1)
  if (colon < 0 || !isIPv4(host) || host === "255.255.255.255") return null
  if (!/^\d{1,5}$/.test(portText)) return null
  const port = Number(portText)
  return port > 0 && port < 65536 ? { host, port } : null
}

/** The address frame omq hands a DGRAM application: `a.b.c.d:port`, without libzmq's NUL. */
export function formatDgramAddress(host: string, port: number): string {
  return `${host}:${port}`
}
