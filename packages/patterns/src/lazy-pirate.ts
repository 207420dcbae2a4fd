import diagnostics from "node:diagnostics_channel"
import { type Context, type Message, Request, ZmqError } from "omq"
import { type Clock, realClock } from "./clock.js"
import { receiveWithin } from "./receive-within.js"

/** The zguide's defaults (chapter 4, lpclient). */
const DEFAULT_TIMEOUT = 2_500
const DEFAULT_RETRIES = 3

export interface LazyPirateOptions {
  /** Milliseconds to wait for each reply. Default 2,500. */
  timeout?: number
  /** Attempts after the first, each on a fresh socket. Default 3. */
  retries?: number
  context?: Context
  /** Timers (tests inject their own). */
  clock?: Clock
}

export interface RequestOptions {
  timeout?: number
  retries?: number
  /** Abandons the request: it rejects with the signal's reason. */
  signal?: AbortSignal
}

/** What a Lazy Pirate client tells `diagnostics_channel` "omq:patterns:lazy-pirate". */
export type LazyPirateEvent =
  | { type: "retry"; endpoint: string; attempt: number }
  | { type: "abandon"; endpoint: string; attempts: number }

export const lazyPirateEvents = diagnostics.channel("omq:patterns:lazy-pirate")

/**
 * The Lazy Pirate client (zguide chapter 4): a REQ whose request is sent again, on a fresh
 * socket, when no reply comes in time; after the last retry the server is taken for gone and
 * the request fails with EAGAIN. A fresh socket each time is what makes this work with REQ: the
 * old one is stuck waiting for its reply, and a late reply to an abandoned attempt goes with it.
 *
 * Requests are served one at a time, in call order (REQ's own rule). Runs on the caller's thread.
 */
export class LazyPirateClient {
  readonly #endpoint: string
  readonly #options: Required<Omit<LazyPirateOptions, "context">> & { context?: Context }
  #socket: Request | null = null
  /** The request in progress: the next one starts after it. */
  #line: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(endpoint: string, options: LazyPirateOptions = {}) {
    this.#endpoint = endpoint
    this.#options = {
      timeout: options.timeout ?? DEFAULT_TIMEOUT,
      retries: options.retries ?? DEFAULT_RETRIES,
      clock: options.clock ?? realClock,
      ...(options.context ? { context: options.context } : {}),
    }
    checkCount("timeout", this.#options.timeout, 1)
    checkCount("retries", this.#options.retries, 0)
  }

  /** Sends `message` and resolves with the reply (see the class comment for retries). */
  request(message: Message, options: RequestOptions = {}): Promise<Buffer[]> {
    if (this.#closed) return Promise.reject(new ZmqError("EBADF", "client is closed"))
    const timeout = options.timeout ?? this.#options.timeout
    const retries = options.retries ?? this.#options.retries
    try {
      checkCount("timeout", timeout, 1)
      checkCount("retries", retries, 0)
    } catch (err) {
      return Promise.reject(err)
    }
    const run = this.#line.then(() => this.#attempts(message, timeout, retries, options.signal))
    this.#line = run.catch(() => {})
    return run
  }

  /** Closes the socket at once; waiting requests reject. */
  close(): void {
    this.#closed = true
    this.#drop()
  }

  async #attempts(
    message: Message,
    timeout: number,
    retries: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer[]> {
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted()
      if (this.#closed) throw new ZmqError("EBADF", "client is closed")
      const socket = this.#open()
      await socket.send(message)
      const reply = await this.#replyWithin(socket, timeout, signal)
      if (reply) return reply
      this.#drop() // stuck waiting for that reply: only a fresh socket may send again
      if (attempt >= retries) {
        publish({ type: "abandon", endpoint: this.#endpoint, attempts: attempt + 1 })
        throw new ZmqError(
          "EAGAIN",
          `no reply from ${this.#endpoint} after ${attempt + 1} attempts`,
        )
      }
      publish({ type: "retry", endpoint: this.#endpoint, attempt: attempt + 1 })
    }
  }

  /** The reply, or null when `timeout` ms pass first; rejects when `signal` aborts. */
  #replyWithin(
    socket: Request,
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer[] | null> {
    return receiveWithin(() => socket.receive(), {
      clock: this.#options.clock,
      timeout,
      signal,
      drop: () => this.#drop(),
      owns: () => socket === this.#socket || this.#closed,
    })
  }

  #open(): Request {
    if (this.#socket) return this.#socket
    const context = this.#options.context
    const socket = new Request({ linger: 0, ...(context ? { context } : {}) })
    socket.connect(this.#endpoint)
    this.#socket = socket
    return socket
  }

  #drop(): void {
    this.#socket?.close()
    this.#socket = null
  }
}

function publish(event: LazyPirateEvent): void {
  if (lazyPirateEvents.hasSubscribers) lazyPirateEvents.publish(event)
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ZmqError("EINVAL", `${name} must be an integer >= ${min}, got ${String(value)}`)
  }
}
