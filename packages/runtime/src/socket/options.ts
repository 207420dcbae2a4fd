import { ZmqError } from "@omq/transport"

/** Options every socket type has, named as in zeromq.js v6. Times are in milliseconds. */
export interface SocketOptions {
  /** How long close() keeps unsent messages; -1 waits for ever, 0 drops them. Default -1. */
  linger: number
  /** Messages queued per peer before send() waits (or drops, per socket type). Default 1000. */
  sendHighWaterMark: number
  /** Messages queued per peer before the connection stops being read. Default 1000. */
  receiveHighWaterMark: number
  /** First delay before reconnecting a lost connection; -1 never reconnects. Default 100. */
  reconnectInterval: number
  /** Upper bound for the doubling reconnect delay; 0 keeps it fixed. Default 0. */
  reconnectMaxInterval: number
  /** Time a connection has to finish the ZMTP handshake; 0 for no limit. Default 30000. */
  handshakeInterval: number
  /** Largest frame accepted from a peer, -1 for no limit. Default -1. */
  maxMessageSize: number
  /** Queue messages only to completed connections. Default false. */
  immediate: boolean
  /** How long send() may wait before rejecting with EAGAIN; -1 for ever. Default -1. */
  sendTimeout: number
  /** How long receive() may wait before rejecting with EAGAIN; -1 for ever. Default -1. */
  receiveTimeout: number
  /** Identity announced to peers (REQ, DEALER, ROUTER). Default none. */
  routingId: string | null
  /**
   * Keep only the newest message, in each direction, on DEALER, PULL, PUSH, PUB and SUB (other
   * types ignore it, as in libzmq): an older message still waiting to be read, or to be
   * written to its peer, is dropped, and high-water marks no longer apply. Meant for
   * single-frame messages, as in libzmq. Default false.
   */
  conflate: boolean
}

export const DEFAULT_OPTIONS: Readonly<SocketOptions> = {
  linger: -1,
  sendHighWaterMark: 1000,
  receiveHighWaterMark: 1000,
  reconnectInterval: 100,
  reconnectMaxInterval: 0,
  handshakeInterval: 30_000,
  maxMessageSize: -1,
  immediate: false,
  sendTimeout: -1,
  receiveTimeout: -1,
  routingId: null,
  conflate: false,
}

type Check = (value: unknown) => boolean
const int =
  (min: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min
const CHECKS: Record<keyof SocketOptions, [Check, string]> = {
  linger: [int(-1), "an integer >= -1"],
  sendHighWaterMark: [int(0), "an integer >= 0"],
  receiveHighWaterMark: [int(0), "an integer >= 0"],
  reconnectInterval: [int(-1), "an integer >= -1"],
  reconnectMaxInterval: [int(0), "an integer >= 0"],
  handshakeInterval: [int(0), "an integer >= 0"],
  maxMessageSize: [int(-1), "an integer >= -1"],
  immediate: [(v) => typeof v === "boolean", "a boolean"],
  sendTimeout: [int(-1), "an integer >= -1"],
  receiveTimeout: [int(-1), "an integer >= -1"],
  routingId: [
    (v) => v === null || (typeof v === "string" && v.length > 0 && Buffer.byteLength(v) <= 255),
    "null or a string of 1 to 255 bytes",
  ],
  conflate: [(v) => typeof v === "boolean", "a boolean"],
}

/** Validates one option; throws ZmqError EINVAL naming the option and what it accepts. */
export function checkOption<K extends keyof SocketOptions>(
  name: K,
  value: unknown,
): SocketOptions[K] {
  const check = CHECKS[name]
  if (!check) throw new ZmqError("EINVAL", `unknown socket option '${String(name)}'`)
  if (!check[0](value)) {
    throw new ZmqError("EINVAL", `option ${name} must be ${check[1]}, got ${String(value)}`)
  }
  return value as SocketOptions[K]
}

export function isSocketOption(name: string): name is keyof SocketOptions {
  return Object.hasOwn(CHECKS, name)
}
