import { connect } from "node:net"
import type { NetworkEndpoint } from "../endpoint.js"
import type { Carrier } from "./carrier.js"
import { StreamCarrier } from "./stream-carrier.js"
import { directReads, StreamReads } from "./stream-reads.js"

export interface ReconnectOptions {
  /** Milliseconds before a retry; -1 disables reconnection. */
  reconnectInterval: number
  /** Upper bound for exponential back-off; 0 keeps the interval fixed. */
  reconnectMaxInterval: number
}

/** What a Connecter reports, named after libzmq's monitor events. */
export type ConnecterEvent =
  | { type: "connect:delay" }
  | { type: "connect" }
  | { type: "close" }
  | { type: "connect:retry"; interval: number }

/** How one transport makes an outgoing connection. */
export interface Dialer {
  /** libzmq reports a delay only where connecting takes time (tcp, ws; ipc connects at once). */
  readonly delayed: boolean
  /**
   * Starts one attempt: `open` with the connection made, or `fail` (once, and never both).
   * Returns a function that abandons the attempt.
   */
  dial(open: (carrier: Carrier) => void, fail: () => void): () => void
}

/** Dials tcp or ipc. */
export function streamDialer(addr: Extract<NetworkEndpoint, { transport: "tcp" | "ipc" }>): Dialer {
  return {
    delayed: addr.transport === "tcp",
    dial(open, fail) {
      const reads = directReads ? new StreamReads() : null
      const to =
        addr.transport === "tcp"
          ? { host: addr.host, port: addr.port, noDelay: true }
          : { path: addr.path.startsWith("@") ? `\0${addr.path.slice(1)}` : addr.path }
      const stream = connect(reads ? { ...to, onread: reads.onread } : to)
      stream.unref() // attempts and retries never hold a thread: a waiting call does
      const onError = (): void => {
        stream.destroy()
        fail()
      }
      stream.once("error", onError)
      stream.once("connect", () => {
        stream.off("error", onError)
        open(new StreamCarrier(stream, reads))
      })
      return () => stream.destroy()
    },
  }
}

/**
 * Keeps one outgoing connection alive: dials, hands each established connection to
 * `onConnection`, and after `retry()` (the stream's owner saw it close) tries again with
 * libzmq's back-off: the interval doubles up to the maximum, plus a random jitter.
 */
export class Connecter {
  readonly #dialer: Dialer
  readonly #options: ReconnectOptions
  readonly #onConnection: (carrier: Carrier) => void
  readonly #onEvent: (event: ConnecterEvent) => void
  #interval: number
  #timer: ReturnType<typeof setTimeout> | undefined
  /** Abandons the attempt under way. */
  #abort: (() => void) | undefined
  #closed = false

  constructor(
    dialer: Dialer,
    options: ReconnectOptions,
    onConnection: (carrier: Carrier) => void,
    onEvent: (event: ConnecterEvent) => void = () => {},
  ) {
    this.#dialer = dialer
    this.#options = options
    this.#onConnection = onConnection
    this.#onEvent = onEvent
    this.#interval = options.reconnectInterval
    this.#connect()
  }

  /**
   * Whether its options have a failed attempt or a lost connection followed by another attempt
   * (not: reconnectInterval -1). Without, a connect's pipe ends with its first connection.
   */
  get reconnects(): boolean {
    return this.#options.reconnectInterval >= 0
  }

  /** Schedules the next attempt (after a failed attempt or a lost connection). */
  retry(): void {
    if (this.#closed || this.#timer || !this.reconnects) return
    const base = Math.max(this.#interval, 1)
    const jitter = Math.floor(Math.random() * base)
    this.#onEvent({ type: "connect:retry", interval: base + jitter })
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#connect()
    }, base + jitter)
    this.#timer.unref()
    const max = this.#options.reconnectMaxInterval
    if (max > 0) this.#interval = Math.min(this.#interval * 2, max)
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#abort?.()
    this.#abort = undefined
  }

  #connect(): void {
    if (this.#closed) return
    if (this.#dialer.delayed) this.#onEvent({ type: "connect:delay" })
    this.#abort = this.#dialer.dial(
      (carrier) => {
        this.#abort = undefined
        this.#interval = this.#options.reconnectInterval
        this.#onEvent({ type: "connect" })
        this.#onConnection(carrier)
      },
      () => {
        this.#abort = undefined
        if (this.#closed) return
        this.#onEvent({ type: "close" }) // as libzmq: the failed attempt's descriptor closes
        this.retry()
      },
    )
  }
}
