import { ZmqError, z85Decode, z85Encode } from "@omq/transport"

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
  /** Be a PLAIN server (needs a ZAP handler). Default false. */
  plainServer: boolean
  /** Be a PLAIN client with this username (null: not PLAIN). Default null. */
  plainUsername: string | null
  plainPassword: string | null
  /** Be a CURVE server (needs curveSecretKey). Default false. */
  curveServer: boolean
  /** Our long-term CURVE key pair, as 40-character Z85 text (or 32 bytes when set). */
  curvePublicKey: string | null
  curveSecretKey: string | null
  /** The CURVE server's public key, which makes this socket a CURVE client. */
  curveServerKey: string | null
  /** The ZAP domain; a NULL socket asks ZAP only when it is set. Default "". */
  zapDomain: string
  /** Fail handshakes that need ZAP when no handler is bound. Default false. */
  zapEnforceDomain: boolean
  /** Send a PING this often (ms); 0 for no heartbeats. Default 0. */
  heartbeatInterval: number
  /** The TTL our PINGs announce (ms, sent in deciseconds). Default 0. */
  heartbeatTimeToLive: number
  /** Drop a peer silent this long after a PING (ms); -1 uses heartbeatInterval. Default -1. */
  heartbeatTimeout: number
  /**
   * Properties announced to every peer in the handshake (libzmq's ZMQ_METADATA); names start
   * with "X-". Peers read them with receiveWithProperties(). Default {}.
   */
  metadata: Readonly<Record<string, string>>
  /** wss server: the private key and certificate chain (PEM text, or its bytes). Default null. */
  wssKey: string | null
  wssCert: string | null
  /** wss client: certificates to trust instead of the system's (PEM). Default null. */
  wssCa: string | null
  /** wss client: the name the server's certificate must carry; default the endpoint's host. */
  wssServername: string | null
  /** wss client: refuse a server whose certificate is not trusted. Default true (tests: false). */
  wssRejectUnauthorized: boolean
  /** Connections a tcp or ipc bind lets wait to be accepted (listen(2)'s backlog). Default 100. */
  backlog: number
  /**
   * Kept for code written for zeromq.js, with no effect in omq: libzmq's IO-thread affinity
   * (omq chooses a socket's IO thread by its Context), and the rate and recovery interval of
   * pgm, a transport omq does not have. Defaults 0, 100 and 10000.
   */
  affinity: number
  rate: number
  recoveryInterval: number
  /**
   * A SOCKS5 proxy for tcp connects (libzmq's ZMQ_SOCKS_PROXY). omq has no SOCKS client: a tcp
   * connect() with it set fails with ENOTSUP rather than go around the proxy. Default null.
   */
  socksProxy: string | null
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
  plainServer: false,
  plainUsername: null,
  plainPassword: null,
  curveServer: false,
  curvePublicKey: null,
  curveSecretKey: null,
  curveServerKey: null,
  zapDomain: "",
  zapEnforceDomain: false,
  heartbeatInterval: 0,
  heartbeatTimeToLive: 0,
  heartbeatTimeout: -1,
  metadata: {},
  wssKey: null,
  wssCert: null,
  wssCa: null,
  wssServername: null,
  wssRejectUnauthorized: true,
  backlog: 100,
  affinity: 0,
  rate: 100,
  recoveryInterval: 10_000,
  socksProxy: null,
}

type Check = (value: unknown) => boolean
const int =
  (min: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min
const isBoolean: Check = (v) => typeof v === "boolean"
const shortTextOrNull: Check = (v) =>
  v === null || (typeof v === "string" && Buffer.byteLength(v) <= 255)
const CURVE_KEY = "null, 40 characters of Z85, or 32 bytes"
const isCurveKey: Check = (v) => v === null || curveKeyBytes(v) !== null
const isMetadata: Check = (v) =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  Object.entries(v).every(
    ([name, value]) =>
      /^x-/i.test(name) &&
      Buffer.byteLength(name) <= 255 &&
      /^[\x21-\x7e]+$/.test(name) &&
      typeof value === "string",
  )
const PEM = "null, or PEM text as a string or bytes"
const isPem: Check = (v) => v === null || typeof v === "string" || v instanceof Uint8Array
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
  plainServer: [isBoolean, "a boolean"],
  plainUsername: [shortTextOrNull, "null or a string of at most 255 bytes"],
  plainPassword: [shortTextOrNull, "null or a string of at most 255 bytes"],
  curveServer: [isBoolean, "a boolean"],
  curvePublicKey: [isCurveKey, CURVE_KEY],
  curveSecretKey: [isCurveKey, CURVE_KEY],
  curveServerKey: [isCurveKey, CURVE_KEY],
  zapDomain: [
    (v) => typeof v === "string" && Buffer.byteLength(v) <= 255,
    "a string of at most 255 bytes",
  ],
  zapEnforceDomain: [isBoolean, "a boolean"],
  heartbeatInterval: [int(0), "an integer >= 0"],
  heartbeatTimeToLive: [
    (v) => int(0)(v) && (v as number) <= 6_553_500,
    "an integer from 0 to 6553500",
  ],
  heartbeatTimeout: [int(-1), "an integer >= -1"],
  metadata: [isMetadata, 'an object of "X-" names (at most 255 bytes) to strings'],
  wssKey: [isPem, PEM],
  wssCert: [isPem, PEM],
  wssCa: [isPem, PEM],
  wssServername: [(v) => v === null || typeof v === "string", "null or a host name"],
  wssRejectUnauthorized: [isBoolean, "a boolean"],
  backlog: [int(0), "an integer >= 0"],
  affinity: [int(0), "an integer >= 0"],
  rate: [int(1), "an integer >= 1"],
  recoveryInterval: [int(0), "an integer >= 0"],
  socksProxy: [(v) => v === null || typeof v === "string", "null or host:port"],
}

const PEM_OPTIONS = new Set<string>(["wssKey", "wssCert", "wssCa"])
/** Options that take bytes as they are; other text options take bytes as UTF-8 text. */
const BYTES_OPTIONS = new Set<string>([
  ...PEM_OPTIONS,
  "curvePublicKey",
  "curveSecretKey",
  "curveServerKey",
])
const utf8 = new TextDecoder("utf-8", { fatal: true })

/** A CURVE key given as Z85 text or 32 bytes, as bytes; null when it is neither. */
export function curveKeyBytes(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return value.byteLength === 32 ? Uint8Array.from(value) : null
  if (typeof value !== "string" || value.length !== 40) return null
  try {
    return z85Decode(value)
  } catch {
    return null
  }
}

/**
 * Validates one option. A value of the wrong JavaScript type is a TypeError in zeromq.js's
 * words ("Option value must be a number"); a value of the right type that the option does not
 * accept is ZmqError EINVAL naming the option and what it accepts.
 */
export function checkOption<K extends keyof SocketOptions>(
  name: K,
  value: unknown,
): SocketOptions[K] {
  const check = CHECKS[name]
  if (!check) throw new ZmqError("EINVAL", `unknown socket option '${String(name)}'`)
  checkType(name, value)
  if (value instanceof Uint8Array && !BYTES_OPTIONS.has(name)) {
    try {
      value = utf8.decode(value)
    } catch {
      throw new ZmqError("EINVAL", `option ${name} must be UTF-8 text (omq keeps it as a string)`)
    }
  }
  if (!check[0](value)) {
    throw new ZmqError("EINVAL", `option ${name} must be ${check[1]}, got ${String(value)}`)
  }
  // PEM travels to the IO thread as text.
  if (PEM_OPTIONS.has(name) && value instanceof Uint8Array) {
    return Buffer.from(value).toString("utf8") as SocketOptions[K]
  }
  // Keys are kept as Z85 text whichever form they came in (zeromq.js reads them back so).
  if (value instanceof Uint8Array) return z85Encode(value) as SocketOptions[K]
  if (name === "metadata") return { ...(value as object) } as SocketOptions[K]
  return value as SocketOptions[K]
}

/** The value's JavaScript type against the option's (its default's), as zeromq.js checks it. */
function checkType(name: keyof SocketOptions, value: unknown): void {
  const fallback = DEFAULT_OPTIONS[name]
  if (typeof fallback === "number" && typeof value !== "number") {
    throw new TypeError("Option value must be a number")
  }
  if (typeof fallback === "boolean" && typeof value !== "boolean") {
    throw new TypeError("Option value must be a boolean")
  }
  const text = typeof fallback === "string" || fallback === null
  if (text && value !== null && typeof value !== "string" && !(value instanceof Uint8Array)) {
    throw new TypeError("Option value must be a string or buffer")
  }
}

export function isSocketOption(name: string): name is keyof SocketOptions {
  return Object.hasOwn(CHECKS, name)
}
