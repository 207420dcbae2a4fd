import { connect, createServer, type Server, type Socket } from "node:net"
import { formatTcp } from "../endpoint.js"
import { ZmqError, type ZmqErrorCode } from "../errors.js"

export interface TcpAddress {
  host: string
  port: number
  text: string
}

/** A bound tcp listener. `endpoint` is the resolved address, as ZMQ_LAST_ENDPOINT reports it. */
export interface TcpListener {
  readonly endpoint: string
  /** Stops accepting at once; resolves when the listener and every stream it accepted are closed. */
  close(): Promise<void>
}

/** Binds and calls `onConnection` for each accepted stream. Rejects with EADDRINUSE and friends. */
export function listenTcp(
  addr: TcpAddress,
  onConnection: (s: Socket) => void,
): Promise<TcpListener> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer({ noDelay: true }, onConnection)
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(new ZmqError(bindCode(err.code), `bind ${addr.text}: ${err.message}`, addr.text))
    })
    server.listen({ host: addr.host, port: addr.port, exclusive: true }, () => {
      const bound = server.address()
      const endpoint =
        bound && typeof bound === "object" ? formatTcp(bound.address, bound.port) : addr.text
      server.on("error", () => {})
      const closed = new Promise<void>((done) => server.once("close", () => done()))
      resolve({
        endpoint,
        close: () => {
          if (server.listening) server.close()
          return closed
        },
      })
    })
  })
}

function bindCode(code: string | undefined): ZmqErrorCode {
  if (code === "EADDRINUSE" || code === "EACCES") return code
  if (code === "EADDRNOTAVAIL") return "EADDRNOTAVAIL"
  return "EINVAL"
}

export interface ReconnectOptions {
  /** Milliseconds before a retry; -1 disables reconnection. */
  reconnectInterval: number
  /** Upper bound for exponential back-off; 0 keeps the interval fixed. */
  reconnectMaxInterval: number
}

/**
 * Keeps one outgoing tcp connection alive: connects, hands each established stream to
 * `onConnection`, and after `retry()` (the stream's owner saw it close) tries again with
 * libzmq's back-off: the interval doubles up to the maximum, plus a random jitter.
 */
export class TcpConnecter {
  readonly #addr: TcpAddress
  readonly #options: ReconnectOptions
  readonly #onConnection: (s: Socket) => void
  #interval: number
  #timer: ReturnType<typeof setTimeout> | undefined
  #attempt: Socket | undefined
  #closed = false

  constructor(addr: TcpAddress, options: ReconnectOptions, onConnection: (s: Socket) => void) {
    this.#addr = addr
    this.#options = options
    this.#onConnection = onConnection
    this.#interval = options.reconnectInterval
    this.#connect()
  }

  /** Schedules the next attempt (after a failed attempt or a lost connection). */
  retry(): void {
    if (this.#closed || this.#timer || this.#options.reconnectInterval < 0) return
    const base = Math.max(this.#interval, 1)
    const jitter = Math.floor(Math.random() * base)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#connect()
    }, base + jitter)
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
    const stream = connect({ host: this.#addr.host, port: this.#addr.port, noDelay: true })
    this.#attempt = stream
    const onError = (): void => {
      this.#attempt = undefined
      stream.destroy()
      this.retry()
    }
    stream.once("error", onError)
    stream.once("connect", () => {
      stream.off("error", onError)
      this.#attempt = undefined
      this.#interval = this.#options.reconnectInterval
      this.#onConnection(stream)
    })
  }
}
