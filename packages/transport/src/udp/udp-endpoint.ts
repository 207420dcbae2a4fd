import { ZmqError } from "../errors.js"
import type { SocketType } from "../zmtp/socket-type.js"

/**
 * A parsed `udp://[iface;]host:port` endpoint, as libzmq 4.3.5 reads it (IPv4 only: libzmq's
 * udp takes IPv6 only with its `ipv6` option, which omq does not have). Nothing is looked up
 * here: names are resolved by whoever opens the socket. Pure: no `node:` imports.
 */
export interface UdpEndpoint {
  transport: "udp"
  /**
   * A unicast bind: the address to bind ("0.0.0.0" for `*`, or a name). A connect: where the
   * datagrams go (an address or a host name). Multicast: the group.
   */
  host: string
  /** 0 for a bind's `*`: the kernel picks. */
  port: number
  /**
   * Multicast only: the interface to join the group on or send through, an IPv4 address or a
   * network interface name; null for the kernel's choice (also written `*`).
   */
  iface: string | null
  /** `host` is an IPv4 multicast group (224.0.0.0/4): a bind joins it, a connect sends to it. */
  multicast: boolean
  text: string
}

/** Host names and interface names: letters, digits, dots, dashes and underscores. */
const NAME = /^[A-Za-z0-9._-]+$/

/** The part after `udp://`; `bind` allows the `*` host and port wildcards. */
export function parseUdp(text: string, rest: string, bind: boolean): UdpEndpoint {
  const bad = (why: string): ZmqError =>
    new ZmqError("EINVAL", `invalid udp endpoint '${text}': ${why}`, text)
  // As libzmq: the last ';' ends the interface.
  const semi = rest.lastIndexOf(";")
  let iface: string | null = semi >= 0 ? rest.slice(0, semi) : null
  const address = semi >= 0 ? rest.slice(semi + 1) : rest
  const colon = address.lastIndexOf(":")
  if (colon <= 0) throw bad("missing host or port")
  let host = address.slice(0, colon)
  const portText = address.slice(colon + 1)
  if (host.startsWith("[") || host.includes(":")) throw bad("udp is IPv4 only")
  let port: number
  if (portText === "*" || portText === "0") {
    if (!bind) throw bad("cannot connect to a wildcard port")
    port = 0
  } else {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN
    if (!(port > 0 && port < 65536)) throw bad(`port '${portText}'`)
  }
  if (host === "*") {
    if (!bind) throw bad("cannot connect to a wildcard host")
    host = "0.0.0.0"
  } else if (!NAME.test(host)) {
    throw bad(`host '${host}'`)
  }
  const multicast = isMulticastIPv4(host)
  if (iface !== null) {
    // libzmq: an interface names where a multicast group is joined or sent to, nothing else.
    if (!multicast) throw bad("an interface goes with a multicast group only")
    if (iface === "*") iface = null
    else if (!NAME.test(iface) || isMulticastIPv4(iface)) throw bad(`interface '${iface}'`)
  }
  return { transport: "udp", host, port, iface, multicast, text }
}

/** A udp endpoint as lastEndpoint reports it, with the port the kernel picked for a `*`. */
export function formatUdp(ep: UdpEndpoint, port: number): string {
  return `udp://${ep.iface === null ? "" : `${ep.iface};`}${ep.host}:${port}`
}

/** Dotted-decimal IPv4, each part 0 to 255 without leading zeros (no octal or hex forms). */
export function isIPv4(text: string): boolean {
  const parts = text.split(".")
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) < 256)
}

function isMulticastIPv4(text: string): boolean {
  if (!isIPv4(text)) return false
  const first = Number(text.slice(0, text.indexOf(".")))
  return first >= 224 && first <= 239
}

/**
 * libzmq's rule for udp: a RADIO connects, a DISH or a DGRAM binds; anything else is
 * ENOCOMPATPROTO, at the call.
 */
export function checkUdpSocketType(type: SocketType, bind: boolean, text: string): void {
  const allowed = bind ? type === "DISH" || type === "DGRAM" : type === "RADIO"
  if (allowed) return
  const what = bind ? "bind to" : "connect to"
  throw incompatibleProtocol(`a ${type} socket cannot ${what} ${text}`, text)
}

/**
 * libzmq's ENOCOMPATPROTO ("the protocol is not compatible with the socket type"), with the
 * code zeromq.js gives it. The code is not (yet) in ZmqErrorCode (errors.ts), hence the cast.
 */
export function incompatibleProtocol(message: string, address?: string): ZmqError {
  return new ZmqError("ENOCOMPATPROTO", message, address)
}
