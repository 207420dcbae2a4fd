import { type Context, Dealer, type Message } from "omq"
import { type Clock, realClock } from "./clock.js"
import { reasonOf } from "./error-reason.js"
import {
  DEFAULT_INTERVAL,
  DEFAULT_LIVENESS,
  DEFAULT_RECONNECT,
  DEFAULT_RECONNECT_MAX,
  isCommand,
  PPP_HEARTBEAT,
  PPP_READY,
  publish,
} from "./paranoid-pirate-protocol.js"

export interface ParanoidPirateWorkerOptions {
  /** Milliseconds between heartbeats. Default 1,000. */
  interval?: number
  /** Heartbeats from the queue that may be missed before it is taken for dead. Default 3. */
  liveness?: number
  /** First wait before dialling a lost queue again; it doubles up to reconnectMax. Default 1,000. */
  reconnect?: number
  reconnectMax?: number
  context?: Context
  clock?: Clock
}

/** Answers one request (its body frames, without the envelope). */
export type ParanoidPirateHandler = (request: Buffer[]) => Message | Promise<Message>

/**
 * A Paranoid Pirate worker (RFC 6): a DEALER that tells the queue it is READY, answers its
 * requests one at a time with `handler`, and heartbeats. A queue silent for `liveness`
 * heartbeats is taken for dead: the socket is dropped and a fresh one dials again after
 * `reconnect` ms, doubling up to `reconnectMax`, then sends READY again.
 *
 * Heartbeats go on while a handler runs (the worker does not look dead while busy). Runs on the
 * caller's thread.
 */
export class ParanoidPirateWorker {
  readonly #endpoint: string
  readonly #handler: ParanoidPirateHandler
  readonly #interval: number
  readonly #liveness: number
  readonly #reconnect: number
  readonly #reconnectMax: number
  readonly #clock: Clock
  readonly #context: Context | undefined
  #socket: Dealer | null = null
  #queueLiveness: number
  #backoff: number
  #timer: unknown
  #closed = false

  constructor(
    endpoint: string,
    handler: ParanoidPirateHandler,
    options: ParanoidPirateWorkerOptions = {},
  ) {
    this.#endpoint = endpoint
    this.#handler = handler
    this.#interval = options.interval ?? DEFAULT_INTERVAL
    this.#liveness = options.liveness ?? DEFAULT_LIVENESS
    this.#reconnect = options.reconnect ?? DEFAULT_RECONNECT
    this.#reconnectMax = options.reconnectMax ?? DEFAULT_RECONNECT_MAX
    this.#clock = options.clock ?? realClock
    this.#context = options.context
    this.#queueLiveness = this.#liveness
    this.#backoff = this.#reconnect
    this.#connect()
    this.#tick()
  }

  close(): void {
    this.#closed = true
    this.#clock.clearTimeout(this.#timer)
    this.#socket?.close()
    this.#socket = null
  }

  #connect(): void {
    const socket = new Dealer({ linger: 0, ...(this.#context ? { context: this.#context } : {}) })
    socket.connect(this.#endpoint)
    this.#socket = socket
    this.#queueLiveness = this.#liveness
    void socket.send(PPP_READY).catch(() => {})
    void this.#serve(socket)
  }

  /**
   * Reads the queue for as long as `socket` is the worker's: heartbeats count while a handler
   * runs, so a long handler does not make the queue look dead. Requests are answered one at a
   * time, in turn (the queue gives a worker one at a time anyway).
   */
  async #serve(socket: Dealer): Promise<void> {
    let answering: Promise<void> = Promise.resolve()
    try {
      for await (const frames of socket) {
        this.#queueLiveness = this.#liveness
        this.#backoff = this.#reconnect
        if (isCommand(frames, PPP_HEARTBEAT)) continue
        const split = frames.findIndex((f) => f.byteLength === 0)
        if (split < 0) continue // not a request: no envelope
        answering = answering.then(() => this.#answer(socket, frames, split))
      }
    } catch {
      // The socket was closed under the loop (a lost queue, close()): the next one serves.
    }
  }

  async #answer(socket: Dealer, frames: Buffer[], split: number): Promise<void> {
    if (socket !== this.#socket) return // the queue was lost meanwhile: so is the request
    let reply: Message
    try {
      reply = await this.#handler(frames.slice(split + 1))
    } catch (err) {
      // No reply, so the queue would hold this worker busy for ever: start afresh under a new
      // identity (READY again); the old one expires at the queue, the client asks again.
      publish({ type: "handler-failed", reason: reasonOf(err) })
      if (socket === this.#socket && !this.#closed) {
        socket.close()
        this.#connect()
      }
      return
    }
    if (socket !== this.#socket) return // the queue was lost meanwhile: so is the reply
    const body = Array.isArray(reply) ? reply : [reply]
    await socket.send([...frames.slice(0, split + 1), ...body]).catch(() => {})
  }

  /** Every interval: a heartbeat, and the queue's silence counted. */
  #tick(): void {
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closed) return
      if (--this.#queueLiveness > 0) {
        void this.#socket?.send(PPP_HEARTBEAT).catch(() => {})
        this.#tick()
        return
      }
      // The queue is gone: a fresh socket later, with a longer wait each time.
      const wait = this.#backoff
      this.#backoff = Math.min(this.#backoff * 2, this.#reconnectMax)
      publish({ type: "queue-lost", reconnectIn: wait })
      this.#socket?.close()
      this.#socket = null
      this.#timer = this.#clock.setTimeout(() => {
        if (this.#closed) return
        this.#connect()
        publish({ type: "reconnected" })
        this.#tick()
      }, wait)
    }, this.#interval)
  }
}
