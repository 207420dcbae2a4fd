import { type Context, Dealer, type Message, ZmqError } from "omq"
import { type Clock, realClock } from "./clock.js"
import { publishModelEvent } from "./freelance-model-events.js"
import { checkCount } from "./freelance-protocol.js"

/** The zguide's flclient2: when not one server answers within 2.5 s, give up. */
const DEFAULT_TIMEOUT = 2_500

export interface FreelanceShotgunClientOptions {
  /** Milliseconds for any server to answer a request. Default 2,500. */
  timeout?: number
  context?: Context
  /** Timers (tests inject their own). */
  clock?: Clock
}

export interface FreelanceShotgunRequestOptions {
  /** Milliseconds for any server to answer this request. Default: the client's `timeout`. */
  timeout?: number
  /** Abandons the request: it rejects with the signal's reason. */
  signal?: AbortSignal
}

interface Pending {
  resolve(reply: Buffer[]): void
  reject(err: unknown): void
}

/**
 * The zguide's Freelance model 2, "brutal shotgun massacre": one DEALER connected to every
 * server sends each request to all of them (as many copies as servers, which the DEALER deals
 * out one per connection) and takes the first reply; later replies to it are dropped. When no
 * server answers within `timeout`, the request rejects with EAGAIN.
 *
 * On the wire a request is `["", sequence, body…]` and its reply `["", sequence, reply…]`: the
 * guide's servers are REP sockets that answer `[sequence, reply…]`. A FreelanceServer (RFC 10)
 * serves it only when its handler returns the request's first frame (the sequence) first, as an
 * echo does. A dead server's copies wait in its connection's queue, and are answered, then
 * dropped as stale, if it comes back. Requests may overlap: replies are matched by sequence.
 * Runs on the caller's thread.
 */
export class FreelanceShotgunClient {
  readonly #dealer: Dealer
  readonly #timeout: number
  readonly #clock: Clock
  readonly #pending = new Map<number, Pending>()
  #servers = 0
  #sequence = 0
  /** A request's copies go out together, or another request's could take some of its turns. */
  #sends: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(options: FreelanceShotgunClientOptions = {}) {
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT
    checkCount("timeout", this.#timeout, 1)
    this.#clock = options.clock ?? realClock
    this.#dealer = new Dealer({
      linger: 0,
      ...(options.context ? { context: options.context } : {}),
    })
    void this.#receive()
  }

  /** Dials one more server; each request is sent to every server dialled. */
  connect(endpoint: string): void {
    if (this.#closed) throw new ZmqError("EBADF", "client is closed")
    this.#dealer.connect(endpoint)
    this.#servers++
  }

  /** Sends `message` to every server; resolves with the first reply's body frames. */
  request(message: Message, options: FreelanceShotgunRequestOptions = {}): Promise<Buffer[]> {
    if (this.#closed) return Promise.reject(new ZmqError("EBADF", "client is closed"))
    const timeout = options.timeout ?? this.#timeout
    const { signal } = options
    try {
      checkCount("timeout", timeout, 1)
      if (this.#servers === 0) throw new ZmqError("EINVAL", "no server connected")
      signal?.throwIfAborted()
    } catch (err) {
      return Promise.reject(err)
    }
    const sequence = ++this.#sequence
    const servers = this.#servers
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.#clock.clearTimeout(timer)
        this.#pending.delete(sequence)
        signal?.removeEventListener("abort", onAbort)
      }
      const onAbort = (): void => {
        done()
        reject(signal!.reason)
      }
      const timer = this.#clock.setTimeout(() => {
        done()
        publishModelEvent({ type: "abandon", model: 2, sequence, servers })
        reject(new ZmqError("EAGAIN", `no server answered request ${sequence} in time`))
      }, timeout)
      signal?.addEventListener("abort", onAbort, { once: true })
      this.#pending.set(sequence, {
        resolve: (reply) => {
          done()
          resolve(reply)
        },
        reject: (err) => {
          done()
          reject(err)
        },
      })
      const body = Array.isArray(message) ? message : [message]
      const frames = ["", String(sequence), ...body]
      const send = this.#sends.then(async () => {
        for (let i = 0; i < servers && this.#pending.has(sequence); i++) {
          await this.#dealer.send(frames)
        }
      })
      this.#sends = send.catch(() => {}) // closed meanwhile: close() rejects the request
    })
  }

  /** Closes the socket at once; waiting requests reject with EBADF. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const pending of [...this.#pending.values()]) {
      pending.reject(new ZmqError("EBADF", "client is closed"))
    }
    this.#dealer.close()
  }

  async #receive(): Promise<void> {
    try {
      for await (const [delimiter, sequenceFrame, ...reply] of this.#dealer) {
        const text = sequenceFrame?.toString("latin1") ?? ""
        if (delimiter?.byteLength !== 0 || !/^\d{1,15}$/.test(text)) {
          publishModelEvent({ type: "malformed", model: 2 })
          continue
        }
        const sequence = Number(text)
        const pending = this.#pending.get(sequence)
        if (pending) pending.resolve(reply)
        else publishModelEvent({ type: "stale-reply", model: 2, sequence })
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }
}
