import { type Context, type Message, ZmqError } from "omq"
import {
  checkCount,
  DEFAULT_CLIENT_TIMEOUT,
  DEFAULT_SETTLE,
  publish,
} from "./binary-star-events.js"
import { type Clock, realClock } from "./clock.js"
import { LazyPirateClient } from "./lazy-pirate.js"

export interface BinaryStarClientOptions {
  /** Milliseconds to wait for a reply before failing over. Default 1,000. */
  timeout?: number
  /** Milliseconds to wait after a failover before asking the other server. Default 2,000. */
  settle?: number
  /** Failovers a request may make before it rejects with EAGAIN. Default Infinity (the guide's). */
  retries?: number
  context?: Context
  /** Timers (tests inject their own). */
  clock?: Clock
}

export interface BinaryStarRequestOptions {
  /** Abandons the request: it rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * The Binary Star client (zguide chapter 5, bstarcli): a Lazy Pirate client over a pair. A
 * request that has no reply within `timeout` goes, on a fresh socket, to the other server, after
 * `settle` ms: time for the passive server's peer to expire, so that this request is the vote
 * that makes it active (asked sooner, it would drop the request). The server that answered last
 * gets the next request.
 *
 * Each server is one LazyPirateClient with no retries of its own, so each timeout also shows as
 * an `abandon` on "omq:patterns:lazy-pirate". Requests are served one at a time, in call order.
 * Runs on the caller's thread.
 */
export class BinaryStarClient {
  readonly endpoints: readonly [string, string]
  readonly #servers: [LazyPirateClient, LazyPirateClient]
  readonly #settle: number
  readonly #retries: number
  readonly #clock: Clock
  /** The server asked first: the one that answered last. */
  #current = 0
  #line: Promise<unknown> = Promise.resolve()
  /** Wakes a settle delay in progress when the client closes. */
  #wake: (() => void) | null = null
  #closed = false

  constructor(endpoints: readonly [string, string], options: BinaryStarClientOptions = {}) {
    if (endpoints.length !== 2) {
      throw new ZmqError("EINVAL", `a Binary Star pair has 2 endpoints, got ${endpoints.length}`)
    }
    this.endpoints = [endpoints[0], endpoints[1]]
    const timeout = options.timeout ?? DEFAULT_CLIENT_TIMEOUT
    this.#settle = options.settle ?? DEFAULT_SETTLE
    this.#retries = options.retries ?? Number.POSITIVE_INFINITY
    checkCount("timeout", timeout, 1)
    checkCount("settle", this.#settle, 0)
    if (this.#retries !== Number.POSITIVE_INFINITY) checkCount("retries", this.#retries, 0)
    this.#clock = options.clock ?? realClock
    const server = (endpoint: string) =>
      new LazyPirateClient(endpoint, {
        timeout,
        retries: 0,
        clock: this.#clock,
        ...(options.context ? { context: options.context } : {}),
      })
    this.#servers = [server(endpoints[0]), server(endpoints[1])]
  }

  /** The endpoint the next request goes to first. */
  get current(): string {
    return this.endpoints[this.#current]!
  }

  /** Sends `message` and resolves with the reply (see the class comment for failover). */
  request(message: Message, options: BinaryStarRequestOptions = {}): Promise<Buffer[]> {
    if (this.#closed) return Promise.reject(new ZmqError("EBADF", "client is closed"))
    const run = this.#line.then(() => this.#attempts(message, options.signal))
    this.#line = run.catch(() => {})
    return run
  }

  /** Closes both sockets at once; waiting requests reject with EBADF. */
  close(): void {
    this.#closed = true
    for (const server of this.#servers) server.close()
    this.#wake?.()
  }

  async #attempts(message: Message, signal: AbortSignal | undefined): Promise<Buffer[]> {
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted()
      if (this.#closed) throw new ZmqError("EBADF", "client is closed")
      try {
        return await this.#servers[this.#current]!.request(message, signal ? { signal } : {})
      } catch (err) {
        // Closed under it: Lazy Pirate's socket may reject with EAGAIN as for a timeout.
        if (this.#closed) throw new ZmqError("EBADF", "client is closed")
        if (!(err instanceof ZmqError && err.code === "EAGAIN")) throw err
      }
      // No reply in time: that server's socket is closed already (Lazy Pirate's rule).
      if (attempt >= this.#retries) {
        publish({ type: "client-abandon", attempts: attempt + 1 })
        throw new ZmqError("EAGAIN", `no reply from either server after ${attempt + 1} attempts`)
      }
      const from = this.current
      this.#current = 1 - this.#current
      publish({ type: "client-failover", from, to: this.current, attempt: attempt + 1 })
      await this.#settleDelay(signal)
    }
  }

  /** Waits `settle` ms; rejects when `signal` aborts, returns early when the client closes. */
  #settleDelay(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.#clock.clearTimeout(timer)
        signal?.removeEventListener("abort", onAbort)
        this.#wake = null
      }
      const onAbort = (): void => {
        done()
        reject(signal!.reason)
      }
      const timer = this.#clock.setTimeout(() => {
        done()
        resolve()
      }, this.#settle)
      this.#wake = () => {
        done()
        resolve() // the loop sees the client closed
      }
      signal?.addEventListener("abort", onAbort, { once: true })
      if (signal?.aborted) onAbort()
    })
  }
}
