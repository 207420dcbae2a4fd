import { ZmqError } from "@omq/transport/zmtp"
import { NULL_SECURITY, type Security } from "./security.js"

/**
 * The options of a browser socket: omq's and zeromq.js's names and defaults where the browser
 * can honour them. Times are in milliseconds. What a WebSocket cannot do is absent: receive
 * high-water marks (a page cannot stop reading a WebSocket), ZAP and server-side security.
 */
export interface SocketOptions {
  /** How long close() waits for queued messages to go out; -1 for ever, 0 drops them. */
  linger: number
  /**
   * Messages queued per peer (waiting for a connection, or in the browser's WebSocket buffer)
   * before send() waits or drops, per socket type; 0 for no limit. Default 1000.
   */
  sendHighWaterMark: number
  /** First delay before reconnecting (plus up to as much again at random); -1 never. */
  reconnectInterval: number
  /** Upper bound for the doubling reconnect delay; 0 keeps it fixed. Default 0. */
  reconnectMaxInterval: number
  /** Time a connection has to finish the ZMTP handshake; 0 for no limit. Default 30000. */
  handshakeInterval: number
  /** Largest frame accepted from a peer, -1 for no limit. Default -1. */
  maxMessageSize: number
  /** Queue messages only to connections whose handshake is done. Default false. */
  immediate: boolean
  /** How long send() may wait before rejecting with EAGAIN; -1 for ever. Default -1. */
  sendTimeout: number
  /** How long receive() may wait before rejecting with EAGAIN; -1 for ever. Default -1. */
  receiveTimeout: number
  /** Identity announced to peers (REQ, DEALER, ROUTER), 1 to 255 bytes. Default none. */
  routingId: string | null
  /**
   * Send a ZMTP PING this often, which keeps idle proxies from closing the connection; 0 for
   * none. Default 0.
   */
  heartbeatInterval: number
  /** The TTL our PINGs announce. Default 0. */
  heartbeatTimeToLive: number
  /**
   * Drop a connection that stays silent this long after a PING; -1 (default) or 0: never.
   * Unlike libzmq's, it does not default to heartbeatInterval: libzmq ignores ZMTP PINGs over
   * ws (it pings with WebSocket frames, which the browser answers unseen), so against libzmq a
   * timeout drops every connection that is idle for that long. omq's server answers them.
   */
  heartbeatTimeout: number
  /** "X-" properties announced to every peer in the handshake. Default {}. */
  metadata: Readonly<Record<string, string>>
  /** NULL (the default), plainClient(...) or curveClient(...). */
  security: Security
}

/** What socket constructors take: any options, and the type's own. */
export type SocketConstructorOptions = Partial<SocketOptions>

export const DEFAULT_OPTIONS: Readonly<SocketOptions> = {
  linger: -1,
  sendHighWaterMark: 1000,
  reconnectInterval: 100,
  reconnectMaxInterval: 0,
  handshakeInterval: 30_000,
  maxMessageSize: -1,
  immediate: false,
  sendTimeout: -1,
  receiveTimeout: -1,
  routingId: null,
  heartbeatInterval: 0,
  heartbeatTimeToLive: 0,
  heartbeatTimeout: -1,
  metadata: {},
  security: NULL_SECURITY,
}

type Check = (value: unknown) => boolean
const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max
const isBoolean: Check = (v) => typeof v === "boolean"
const byteLength = (text: string): number => new TextEncoder().encode(text).byteLength

const CHECKS: Record<keyof SocketOptions, [Check, string]> = {
  linger: [int(-1), "an integer >= -1"],
  sendHighWaterMark: [int(0), "an integer >= 0"],
  reconnectInterval: [int(-1), "an integer >= -1"],
  reconnectMaxInterval: [int(0), "an integer >= 0"],
  handshakeInterval: [int(0), "an integer >= 0"],
  maxMessageSize: [int(-1), "an integer >= -1"],
  immediate: [isBoolean, "a boolean"],
  sendTimeout: [int(-1), "an integer >= -1"],
  receiveTimeout: [int(-1), "an integer >= -1"],
  routingId: [
    (v) => v === null || (typeof v === "string" && v.length > 0 && byteLength(v) <= 255),
    "null or a string of 1 to 255 bytes",
  ],
  heartbeatInterval: [int(0), "an integer >= 0"],
  heartbeatTimeToLive: [int(0, 6_553_500), "an integer from 0 to 6553500"],
  heartbeatTimeout: [int(-1), "an integer >= -1"],
  metadata: [
    (v) =>
      typeof v === "object" &&
      v !== null &&
      Object.entries(v).every(
        ([name, value]) =>
          /^x-[\x21-\x7e]+$/i.test(name) && name.length <= 255 && typeof value === "string",
      ),
    'an object of "X-" names to strings',
  ],
  security: [
    (v) => typeof (v as Security | null)?.create === "function",
    "what plainClient() or curveClient() returns",
  ],
}

/**
 * Options as typed properties (zeromq.js style); each setter checks its value and throws
 * ZmqError EINVAL. A change applies to the connections made after it.
 */
export abstract class SocketOptionAccessors {
  protected readonly options: SocketOptions = { ...DEFAULT_OPTIONS }

  /** Applies constructor options; unknown names are EINVAL. */
  protected applyOptions(options: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(options)) {
      if (value !== undefined) this.setOption(name as keyof SocketOptions, value)
    }
  }

  protected setOption<K extends keyof SocketOptions>(name: K, value: unknown): void {
    const check = Object.hasOwn(CHECKS, name) ? CHECKS[name] : undefined
    if (!check) throw new ZmqError("EINVAL", `unknown socket option '${String(name)}'`)
    if (!check[0](value)) {
      throw new ZmqError("EINVAL", `option ${name} must be ${check[1]}, got ${String(value)}`)
    }
    // A copy: the caller's object may change later.
    this.options[name] = (
      name === "metadata" ? { ...(value as object) } : value
    ) as SocketOptions[K]
  }

  get linger(): number {
    return this.options.linger
  }
  set linger(v: number) {
    this.setOption("linger", v)
  }
  get sendHighWaterMark(): number {
    return this.options.sendHighWaterMark
  }
  set sendHighWaterMark(v: number) {
    this.setOption("sendHighWaterMark", v)
  }
  get reconnectInterval(): number {
    return this.options.reconnectInterval
  }
  set reconnectInterval(v: number) {
    this.setOption("reconnectInterval", v)
  }
  get reconnectMaxInterval(): number {
    return this.options.reconnectMaxInterval
  }
  set reconnectMaxInterval(v: number) {
    this.setOption("reconnectMaxInterval", v)
  }
  get handshakeInterval(): number {
    return this.options.handshakeInterval
  }
  set handshakeInterval(v: number) {
    this.setOption("handshakeInterval", v)
  }
  get maxMessageSize(): number {
    return this.options.maxMessageSize
  }
  set maxMessageSize(v: number) {
    this.setOption("maxMessageSize", v)
  }
  get immediate(): boolean {
    return this.options.immediate
  }
  set immediate(v: boolean) {
    this.setOption("immediate", v)
  }
  get sendTimeout(): number {
    return this.options.sendTimeout
  }
  set sendTimeout(v: number) {
    this.setOption("sendTimeout", v)
  }
  get receiveTimeout(): number {
    return this.options.receiveTimeout
  }
  set receiveTimeout(v: number) {
    this.setOption("receiveTimeout", v)
  }
  get routingId(): string | null {
    return this.options.routingId
  }
  set routingId(v: string | null) {
    this.setOption("routingId", v)
  }
  get heartbeatInterval(): number {
    return this.options.heartbeatInterval
  }
  set heartbeatInterval(v: number) {
    this.setOption("heartbeatInterval", v)
  }
  get heartbeatTimeToLive(): number {
    return this.options.heartbeatTimeToLive
  }
  set heartbeatTimeToLive(v: number) {
    this.setOption("heartbeatTimeToLive", v)
  }
  get heartbeatTimeout(): number {
    return this.options.heartbeatTimeout
  }
  set heartbeatTimeout(v: number) {
    this.setOption("heartbeatTimeout", v)
  }
  get metadata(): Readonly<Record<string, string>> {
    return this.options.metadata
  }
  set metadata(v: Readonly<Record<string, string>>) {
    this.setOption("metadata", v)
  }
  get security(): Security {
    return this.options.security
  }
  set security(v: Security) {
    this.setOption("security", v)
  }
}
