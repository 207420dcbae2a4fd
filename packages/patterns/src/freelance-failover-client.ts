import { type Context, type Message, Request, ZmqError } from "omq"
import { type Clock, realClock } from "./clock.js"
import { publishModelEvent } from "./freelance-model-events.js"
import { checkCount } from "./freelance-protocol.js"

/** The zguide's flclient1: 1 s for each server, three tries when there is only one. */
const DEFAULT_TIMEOUT = 1_000
const SINGLE_SERVER_ROUNDS = 3

export interface FreelanceFailoverClientOptions {
  /** Milliseconds each server has to answer. Default 1,000. */
  timeout?: number
  /** Passes over the server list before giving up. Default 3 for one server, 1 for several. */
  rounds?: number
  context?: Context
  /** Timers (tests inject their own). */
  clock?: Clock
}

export interface FreelanceFailoverRequestOptions {
  /** Milliseconds each server has to answer this request. Default: the client's `timeout`. */
  timeout?: number
  /** Abandons the request: it rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * The zguide's Freelance model 1, "simple retry and failover": a request goes to each server in
 * turn, on a REQ socket of its own, until one answers within `timeout`; the socket is closed
 * after each try, answered or not (a REQ left waiting for a reply cannot send again). With one
 * server it is tried `rounds` times (3); with several, each once. When none answers, the request
 * rejects with EAGAIN.
 *
 * Its servers are plain REP servers: the reply is whatever they send back. A FreelanceServer
 * (RFC 10) serves it too: the REQ's empty delimiter stands where a sequence would be, and comes
 * back with the reply. Requests may overlap (each has its own sockets). Runs on the caller's
 * thread.
 */
export class FreelanceFailoverClient {
  readonly endpoints: readonly string[]
  readonly #timeout: number
  readonly #rounds: number
  readonly #clock: Clock
  readonly #context: Context | undefined
  /** The sockets of tries in progress, closed by close(). */
  readonly #sockets = new Set<Request>()
  #closed = false

  constructor(endpoints: readonly string[], options: FreelanceFailoverClientOptions = {}) {
    if (endpoints.length === 0) throw new ZmqError("EINVAL", "no server endpoint given")
    this.endpoints = [...endpoints]
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT
    this.#rounds = options.rounds ?? (endpoints.length === 1 ? SINGLE_SERVER_ROUNDS : 1)
    checkCount("timeout", this.#timeout, 1)
    checkCount("rounds", this.#rounds, 1)
    this.#clock = options.clock ?? realClock
    this.#context = options.context
  }

  /** Sends `message` to one server after another; resolves with the first reply. */
  async request(
    message: Message,
    options: FreelanceFailoverRequestOptions = {},
  ): Promise<Buffer[]> {
    const timeout = options.timeout ?? this.#timeout
    checkCount("timeout", timeout, 1)
    const { signal } = options
    const tries = this.#rounds * this.endpoints.length
    for (let attempt = 1; attempt <= tries; attempt++) {
      signal?.throwIfAborted()
      if (this.#closed) throw new ZmqError("EBADF", "client is closed")
      const endpoint = this.endpoints[(attempt - 1) % this.endpoints.length]!
      const reply = await this.#try(endpoint, message, timeout, signal)
      if (reply) return reply
      if (attempt < tries) publishModelEvent({ type: "retry", model: 1, endpoint, attempt })
    }
    publishModelEvent({ type: "abandon", model: 1, attempts: tries })
    throw new ZmqError("EAGAIN", `no server answered in ${tries} tries`)
  }

  /** Closes the sockets of tries in progress; their requests reject with EBADF. */
  close(): void {
    this.#closed = true
    for (const socket of this.#sockets) socket.close()
  }

  /** One try on a fresh socket: the reply, or null when `timeout` ms pass first. */
  async #try(
    endpoint: string,
    message: Message,
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer[] | null> {
    const socket = new Request({ linger: 0, ...(this.#context ? { context: this.#context } : {}) })
    this.#sockets.add(socket)
    let timer: unknown = null
    let onAbort = (): void => {}
    try {
      socket.connect(endpoint)
      await socket.send(message)
      return await new Promise<Buffer[] | null>((resolve, reject) => {
        timer = this.#clock.setTimeout(() => resolve(null), timeout)
        onAbort = () => reject(signal!.reason)
        signal?.addEventListener("abort", onAbort, { once: true })
        if (signal?.aborted) onAbort() // while the request was being sent
        socket
          .receive()
          .then(resolve, (err: unknown) =>
            reject(this.#closed ? new ZmqError("EBADF", "client is closed") : err),
          )
      })
    } finally {
      this.#clock.clearTimeout(timer)
      signal?.removeEventListener("abort", onAbort)
      this.#sockets.delete(socket)
      socket.close() // answered or not: a REQ is only good for one exchange here
    }
  }
}
