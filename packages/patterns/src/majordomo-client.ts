import { Dealer, type Message, type MessageLike, ZmqError } from "omq"
import { type Clock, realClock } from "./clock.js"
import {
  LazyPirateClient,
  type LazyPirateEvent,
  type LazyPirateOptions,
  lazyPirateEvents,
  type RequestOptions,
} from "./lazy-pirate.js"
import {
  clientRequest,
  type MdpVersion,
  parseClientReply,
  parseClientReply02,
} from "./majordomo-protocol.js"
import { receiveWithin } from "./receive-within.js"

/** As the Lazy Pirate client (`timeout` 2,500 ms, `retries` 3, `context`, `clock`), and `mdp`. */
export interface MajordomoClientOptions extends LazyPirateOptions {
  /** "0.1" (RFC 7, the default: a REQ) or "0.2" (RFC 18: a DEALER, replies in parts). */
  mdp?: MdpVersion
}

/** The Lazy Pirate client's defaults, which the 0.1 client takes from it. */
const DEFAULT_TIMEOUT = 2_500
const DEFAULT_RETRIES = 3

/**
 * A Majordomo client. With MDP/0.1 (RFC 7, the default) it is a Lazy Pirate client speaking
 * `MDPC01`: RFC 7 clients have REQ semantics. With `mdp: "0.2"` (RFC 18) it is a DEALER, as RFC
 * 18 asks, since a reply may come in several messages: PARTIALs, then one FINAL.
 *
 * Either way a request with no word in time (`timeout` ms; for 0.2 the wait for each part) is
 * sent again on a fresh socket, so a late reply to the abandoned attempt cannot be taken for the
 * new one's; after `retries` it rejects with EAGAIN. Retries are published on
 * "omq:patterns:lazy-pirate". A reply that is not from the service asked rejects with EPROTO.
 *
 * Requests are served one at a time, in the order they start (a stream starts when it is first
 * iterated; iterate it to its end, or break out of it). Runs on the caller's thread.
 */
export class MajordomoClient {
  readonly mdp: MdpVersion
  readonly #endpoint: string
  readonly #options: MajordomoClientOptions
  readonly #clock: Clock
  /** MDP/0.1: the REQ client. */
  readonly #pirate: LazyPirateClient | null
  /** MDP/0.2: the DEALER of the current attempt. */
  #socket: Dealer | null = null
  /** The request in progress: the next one starts after it. */
  #line: Promise<void> = Promise.resolve()
  #closed = false

  constructor(endpoint: string, options: MajordomoClientOptions = {}) {
    const { mdp = "0.1", ...pirate } = options
    this.mdp = mdp
    this.#endpoint = endpoint
    this.#options = options
    this.#clock = options.clock ?? realClock
    this.#pirate = mdp === "0.1" ? new LazyPirateClient(endpoint, pirate) : null
    if (!this.#pirate) {
      checkCount("timeout", options.timeout ?? DEFAULT_TIMEOUT, 1)
      checkCount("retries", options.retries ?? DEFAULT_RETRIES, 0)
    }
  }

  /**
   * Asks `service` (e.g. "echo", or "mmi.service") and resolves with the FINAL reply's body
   * frames (PARTIALs are passed over; a retry may start over after some).
   */
  async request(
    service: string,
    message: Message,
    options: RequestOptions = {},
  ): Promise<Buffer[]> {
    const body = framesOf(message)
    if (this.#pirate) {
      return parseClientReply(
        await this.#pirate.request(clientRequest(service, body), options),
        service,
      )
    }
    for await (const reply of this.#exchange(service, body, options, true)) {
      if (reply.final) return reply.body
    }
    throw new ZmqError("EPROTO", "the reply ended without a FINAL") // #exchange ends on one
  }

  /**
   * Asks `service` and yields each reply's body frames as it comes: every PARTIAL, then the
   * FINAL, then ends. With MDP/0.1 that is the one reply. Once a part was yielded the request
   * is not sent again (it would yield those parts twice): a timeout then rejects with EAGAIN.
   */
  async *stream(
    service: string,
    message: Message,
    options: RequestOptions = {},
  ): AsyncGenerator<Buffer[], void, undefined> {
    if (this.#pirate) {
      yield await this.request(service, message, options)
      return
    }
    for await (const reply of this.#exchange(service, framesOf(message), options, false)) {
      yield reply.body
    }
  }

  /** Closes the socket at once; waiting requests reject. */
  close(): void {
    this.#closed = true
    this.#pirate?.close()
    this.#drop()
  }

  /**
   * One MDP/0.2 request: its replies up to the FINAL, through timeouts and retries. `restartable`
   * says whether an attempt may be sent again after some of its PARTIALs came.
   */
  async *#exchange(
    service: string,
    body: readonly MessageLike[],
    options: RequestOptions,
    restartable: boolean,
  ): AsyncGenerator<{ final: boolean; body: Buffer[] }, void, undefined> {
    const timeout = options.timeout ?? this.#options.timeout ?? DEFAULT_TIMEOUT
    const retries = options.retries ?? this.#options.retries ?? DEFAULT_RETRIES
    checkCount("timeout", timeout, 1)
    checkCount("retries", retries, 0)
    // RFC 18's client dialog is synchronous, and replies name no request: one at a time.
    const turn = this.#line
    let release!: () => void
    this.#line = new Promise((resolve) => {
      release = resolve
    })
    let finished = false
    try {
      await turn
      for (let attempt = 0; ; attempt++) {
        options.signal?.throwIfAborted()
        if (this.#closed) throw new ZmqError("EBADF", "client is closed")
        const socket = this.#open()
        await socket.send(clientRequest(service, body, "0.2"))
        let parts = 0
        for (let frames = await this.#next(socket, timeout, options.signal); frames; ) {
          const reply = parseClientReply02(frames, service)
          finished = reply.final
          parts++
          yield reply
          if (finished) return
          frames = await this.#next(socket, timeout, options.signal)
        }
        this.#drop() // a late reply to this attempt must not reach the next one
        const broken = parts > 0 && !restartable
        if (broken || attempt >= retries) {
          publish({ type: "abandon", endpoint: this.#endpoint, attempts: attempt + 1 })
          throw new ZmqError(
            "EAGAIN",
            broken
              ? `the reply from ${this.#endpoint} stopped after ${parts} part(s)`
              : `no reply from ${this.#endpoint} after ${attempt + 1} attempts`,
          )
        }
        publish({ type: "retry", endpoint: this.#endpoint, attempt: attempt + 1 })
      }
    } finally {
      // Left before its FINAL (an error, an abort, a consumer that broke out): the rest of that
      // reply may still come, and must not come to the next request.
      if (!finished) this.#drop()
      release()
    }
  }

  /** The next message, or null when `timeout` ms pass first; rejects when `signal` aborts. */
  #next(
    socket: Dealer,
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer[] | null> {
    return receiveWithin(() => socket.receive(), {
      clock: this.#clock,
      timeout,
      signal,
      drop: () => this.#drop(),
      owns: () => socket === this.#socket || this.#closed,
    })
  }

  #open(): Dealer {
    if (this.#socket) return this.#socket
    const context = this.#options.context
    const socket = new Dealer({ linger: 0, ...(context ? { context } : {}) })
    socket.connect(this.#endpoint)
    this.#socket = socket
    return socket
  }

  #drop(): void {
    this.#socket?.close()
    this.#socket = null
  }
}

function framesOf(message: Message): MessageLike[] {
  return Array.isArray(message) ? message : [message]
}

function publish(event: LazyPirateEvent): void {
  if (lazyPirateEvents.hasSubscribers) lazyPirateEvents.publish(event)
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ZmqError("EINVAL", `${name} must be an integer >= ${min}, got ${String(value)}`)
  }
}
