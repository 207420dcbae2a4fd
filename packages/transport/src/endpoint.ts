import { ZmqError } from "./errors.js"
import { parseUdp, type UdpEndpoint } from "./udp/udp-endpoint.js"

/** A parsed `transport://address` endpoint. */
export type Endpoint =
  | { transport: "tcp"; host: string; port: number; text: string }
  | { transport: "ipc"; path: string; text: string }
  | { transport: "inproc"; name: string; text: string }
  | WsEndpoint
  | UdpEndpoint

/** `ws://host:port/path` or `wss://...`: the path is "/" when none is given, as in libzmq. */
export interface WsEndpoint {
  transport: "ws" | "wss"
  host: string
  port: number
  path: string
  text: string
}

/** An endpoint a stream connection serves (tcp, ipc, ws, wss): neither inproc nor udp. */
export type NetworkEndpoint = Exclude<Endpoint, { transport: "inproc" } | { transport: "udp" }>

const TRANSPORTS = new Set(["tcp", "ipc", "inproc", "ws", "wss", "udp", "pgm", "epgm", "vmci"])

/**
 * Parses an endpoint string. `bind` allows the `*` host and port wildcards.
 * Throws ZmqError EINVAL for malformed text and EPROTONOSUPPORT for unknown or unsupported
 * transports, so the caller's bind()/connect() fails at the call.
 */
export function parseEndpoint(text: string, bind: boolean): Endpoint {
  if (typeof text !== "string") {
    throw new ZmqError("EINVAL", `endpoint must be a string, got ${typeof text}`)
  }
  const sep = text.indexOf("://")
  if (sep <= 0) {
    throw new ZmqError("EINVAL", `invalid endpoint '${text}': expected transport://address`, text)
  }
  const transport = text.slice(0, sep)
  const rest = text.slice(sep + 3)
  if (transport === "tcp") return parseTcp(text, rest, bind)
  if (transport === "ipc") return parseIpc(text, rest, bind)
  if (transport === "inproc") return parseInproc(text, rest)
  if (transport === "udp") return parseUdp(text, rest, bind)
  if (transport === "ws" || transport === "wss") return parseWs(transport, text, rest, bind)
  if (TRANSPORTS.has(transport)) {
    throw new ZmqError("EPROTONOSUPPORT", `transport '${transport}' is not supported yet`, text)
  }
  throw new ZmqError("EPROTONOSUPPORT", `unknown transport '${transport}' in '${text}'`, text)
}

/** parseEndpoint for a stream connection: inproc and udp are EPROTONOSUPPORT here. */
export function parseNetworkEndpoint(text: string, bind: boolean): NetworkEndpoint {
  const ep = parseEndpoint(text, bind)
  if (ep.transport === "inproc" || ep.transport === "udp") {
    const why = `${ep.transport} is not a stream transport: '${text}'`
    throw new ZmqError("EPROTONOSUPPORT", why, text)
  }
  return ep
}

function parseTcp(text: string, rest: string, bind: boolean): Endpoint {
  // A connect endpoint may name a source address first: "src;dst". Only the destination matters here.
  const addr = rest.includes(";") ? rest.slice(rest.indexOf(";") + 1) : rest
  return { transport: "tcp", ...parseHostPort("tcp", text, addr, bind), text }
}

/** As libzmq: the path starts at the first "/" after the port; without one it is "/". */
function parseWs(transport: "ws" | "wss", text: string, rest: string, bind: boolean): Endpoint {
  const bracket = rest.startsWith("[") ? rest.indexOf("]") : 0
  const slash = rest.indexOf("/", Math.max(bracket, 0))
  const hostPort = slash < 0 ? rest : rest.slice(0, slash)
  const path = slash < 0 ? "/" : rest.slice(slash)
  return { transport, ...parseHostPort(transport, text, hostPort, bind), path, text }
}

function parseHostPort(
  transport: string,
  text: string,
  addr: string,
  bind: boolean,
): { host: string; port: number } {
  const colon = addr.lastIndexOf(":")
  if (colon <= 0) {
    throw new ZmqError("EINVAL", `invalid ${transport} endpoint '${text}': missing port`, text)
  }
  let host = addr.slice(0, colon)
  const portText = addr.slice(colon + 1)
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1)
  if (host.length === 0)
    throw new ZmqError("EINVAL", `invalid ${transport} endpoint '${text}': empty host`, text)
  if (host === "*") {
    if (!bind) throw new ZmqError("EINVAL", `cannot connect to wildcard host in '${text}'`, text)
    host = "0.0.0.0"
  }
  let port: number
  if (portText === "*" || portText === "0") {
    if (!bind) throw new ZmqError("EINVAL", `cannot connect to wildcard port in '${text}'`, text)
    port = 0
  } else {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN
    if (!(port > 0 && port < 65536)) {
      throw new ZmqError("EINVAL", `invalid ${transport} port '${portText}' in '${text}'`, text)
    }
  }
  return { host, port }
}

/**
 * `ipc://path`: a filesystem path, `@name` for Linux's abstract namespace, or (bind only) `*`
 * for a fresh path the listener picks.
 */
function parseIpc(text: string, path: string, bind: boolean): Endpoint {
  if (path.length === 0 || path === "@") {
    throw new ZmqError("EINVAL", `invalid ipc endpoint '${text}': empty path`, text)
  }
  if (path === "*" && !bind) {
    throw new ZmqError("EINVAL", `cannot connect to wildcard path in '${text}'`, text)
  }
  // sun_path holds 107 bytes and a NUL; libzmq fails such a bind with ENAMETOOLONG.
  if (new TextEncoder().encode(path).length > 107) {
    throw new ZmqError("ENAMETOOLONG", `ipc path too long in '${text}'`, text)
  }
  return { transport: "ipc", path, text }
}

/** `inproc://name`: any non-empty name, shared by every thread of the process. */
function parseInproc(text: string, name: string): Endpoint {
  if (name.length === 0) {
    throw new ZmqError("EINVAL", `invalid inproc endpoint '${text}': empty name`, text)
  }
  return { transport: "inproc", name, text }
}

/** Formats an ipc endpoint the way libzmq reports it in ZMQ_LAST_ENDPOINT. */
export function formatIpc(path: string): string {
  return `ipc://${path}`
}

/** Formats a ws endpoint the way libzmq reports it in ZMQ_LAST_ENDPOINT (with its path). */
export function formatWs(
  transport: "ws" | "wss",
  host: string,
  port: number,
  path: string,
): string {
  const h = host.includes(":") ? `[${host}]` : host
  return `${transport}://${h}:${port}${path}`
}

/** Formats a tcp endpoint the way libzmq reports it in ZMQ_LAST_ENDPOINT. */
export function formatTcp(host: string, port: number): string {
  return host.includes(":") ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`
}
