import { connect, type Socket } from "node:net"
import type { NetworkEndpoint as Endpoint } from "../endpoint.js"

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

/**
 * Keeps one outgoing tcp or ipc connection alive: connects, hands each established stream to
 * `onConnection`, and after `retry()` (the stream's owner saw it close) tries again with
 * libzmq's back-off: the interval doubles up to the maximum, plus a random jitter.
 */
export class Connecter {
  readonly #addr: Endpoint
  readonly #options: ReconnectOptions
  readonly #onConnection: (s: Socket) => void
  readonly #onEvent: (event: ConnecterEvent) => void
  #interval: number
  #timer: ReturnType<typeof setTimeout> | undefined
  #attempt: Socket | undefined
  #closed = false

  constructor(
    addr: Endpoint,
    options: ReconnectOptions,
    onConnection: (s: Socket) => void,
    onEvent: (event: ConnecterEvent) => void = () => {},
  ) {
    this.#addr = addr
    this.#options = options
    this.#onConnection = onConnection
    this.#onEvent = onEvent
    this.#interval = options.reconnectInterval
    this.#connect()
  }

  /** Schedules the next attempt (after a failed attempt or a lost connection). */
  retry(): void {
    if (this.#closed || this.#timer || this.#options.reconnectInterval < 0) return
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
    this.#attempt?.destroy()
    this.#attempt = undefined
  }

  #connect(): void {
    if (this.#closed) return
    const addr = this.#addr
    const stream =
      addr.transport === "tcp"
        ? connect({ host: addr.host, port: addr.port, noDelay: true })
        : connect({ path: addr.path.startsWith("@") ? `\0${addr.path.slice(1)}` : addr.path })
    this.#attempt = stream
    stream.unref() // attempts and retries never hold a thread: a waiting call does
    // libzmq reports a delay only where connecting takes time (tcp; ipc connects at once).
    if (addr.transport === "tcp") this.#onEvent({ type: "connect:delay" })
    const onError = (): void => {
      this.#attempt = undefined
      stream.destroy()
      if (this.#closed) return
      this.#onEvent({ type: "close" }) // as libzmq: the failed attempt's descriptor closes
      this.retry()
    }
    stream.once("error", onError)
    stream.once("connect", () => {
      stream.off("error", onError)
      this.#attempt = undefined
      this.#interval = this.#options.reconnectInterval
      this.#onEvent({ type: "connect" })
      this.#onConnection(stream)
    })
  }
}
