import { type SocketType, ZmqError } from "@omq/transport"

/** Constants: any thread may read them. */

/** libzmq's socket type numbers (ZMQ_PAIR = 0 ... ZMQ_CHANNEL = 20), for `new Socket(type)`. */
const TYPE_NUMBERS: readonly SocketType[] = [
  "PAIR",
  "PUB",
  "SUB",
  "REQ",
  "REP",
  "DEALER",
  "ROUTER",
  "PULL",
  "PUSH",
  "XPUB",
  "XSUB",
  "STREAM",
  "SERVER",
  "CLIENT",
  "RADIO",
  "DISH",
  "GATHER",
  "SCATTER",
  "DGRAM",
  "PEER",
  "CHANNEL",
]

/** A socket type given by name (omq's classes) or by libzmq's number (zeromq.js's Socket). */
export function socketType(type: unknown): SocketType {
  if (typeof type === "string" && TYPE_NUMBERS.includes(type as SocketType)) {
    return type as SocketType
  }
  if (typeof type !== "number") throw new TypeError("Socket type must be a number")
  const known = TYPE_NUMBERS[type]
  if (known === undefined) throw new ZmqError("EINVAL", `no socket type ${type}`)
  return known
}
