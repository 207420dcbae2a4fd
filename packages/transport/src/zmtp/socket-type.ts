export type SocketType =
  | "PAIR"
  | "PUB"
  | "SUB"
  | "REQ"
  | "REP"
  | "DEALER"
  | "ROUTER"
  | "PULL"
  | "PUSH"
  | "XPUB"
  | "XSUB"
  | "STREAM"
  | "SERVER"
  | "CLIENT"
  | "RADIO"
  | "DISH"
  | "GATHER"
  | "SCATTER"
  | "DGRAM"
  | "PEER"
  | "CHANNEL"

/** Which peers each type may talk to; libzmq's mechanism_t::check_socket_type. */
const COMPATIBLE: Record<SocketType, readonly SocketType[]> = {
  PAIR: ["PAIR"],
  PUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PULL: ["PUSH"],
  PUSH: ["PULL"],
  XPUB: ["SUB", "XSUB"],
  XSUB: ["PUB", "XPUB"],
  // STREAM speaks raw TCP, never ZMTP, so no ZMTP peer matches it.
  STREAM: [],
  SERVER: ["CLIENT"],
  CLIENT: ["SERVER"],
  RADIO: ["DISH"],
  DISH: ["RADIO"],
  GATHER: ["SCATTER"],
  SCATTER: ["GATHER"],
  DGRAM: ["DGRAM"],
  PEER: ["PEER"],
  CHANNEL: ["CHANNEL"],
}

export function isSocketType(name: string): name is SocketType {
  return Object.hasOwn(COMPATIBLE, name)
}

/** `remote` is the peer's Socket-Type property; accepted in any case (libzmq is exact). */
export function socketTypesCompatible(local: SocketType, remote: string): boolean {
  const upper = remote.toUpperCase()
  return isSocketType(upper) && COMPATIBLE[local].includes(upper)
}
