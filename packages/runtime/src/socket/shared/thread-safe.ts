import { type SocketType, ZmqError } from "@omq/transport"

/** libzmq's thread-safe types: the draft ones, DGRAM excepted. */
const THREAD_SAFE = new Set<SocketType>([
  "SERVER",
  "CLIENT",
  "RADIO",
  "DISH",
  "SCATTER",
  "GATHER",
  "PEER",
  "CHANNEL",
])

/** EINVAL for the classic types, which stay on the thread that made them. */
export function checkThreadSafe(type: SocketType): void {
  if (!THREAD_SAFE.has(type)) {
    throw new ZmqError(
      "EINVAL",
      `${type} sockets are not thread-safe: only SERVER, CLIENT, RADIO, DISH, SCATTER, GATHER, PEER and CHANNEL can be shared between threads`,
    )
  }
}
