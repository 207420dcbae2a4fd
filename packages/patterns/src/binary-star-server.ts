import { type Context, type Message, Router, Subscriber, XPublisher } from "omq"
import {
  type BinaryStarRole,
  checkCount,
  DEFAULT_HEARTBEAT,
  DEFAULT_LIVENESS,
  publish,
} from "./binary-star-events.js"
import {
  type BinaryStarFatal,
  type BinaryStarFsmEvent,
  type BinaryStarState,
  type BinaryStarStep,
  binaryStarStep,
  decodePeerState,
  encodeState,
} from "./binary-star-fsm.js"
import { type Clock, realClock } from "./clock.js"

export interface BinaryStarServerOptions {
  /** Which of the pair this is: a primary starts PRIMARY (and serves alone), a backup BACKUP. */
  role: BinaryStarRole
  /** Where clients' requests come in (bound, a ROUTER). */
  frontend: string
  /** Where this server publishes its state (bound). */
  statePub: string
  /** The peer's `statePub` (connected). */
  stateSub: string
  /** Milliseconds between state messages. Default 1,000. */
  heartbeat?: number
  /** Heartbeats of silence after which the peer counts as dead. Default 2. */
  liveness?: number
  context?: Context
  /** Timers (tests inject their own). */
  clock?: Clock
}

/** Answers one request (its body frames, without the envelope). */
export type BinaryStarHandler = (request: Buffer[]) => Message | Promise<Message>

/** Why a server stopped: close(), or a fatal state of the pair. */
export type BinaryStarStop = "closed" | BinaryStarFatal

/**
 * One server of a Binary Star pair (zguide chapter 5): a primary/backup pair of which one, the
 * active, answers clients; the other, passive, takes over when the active is gone. Each server
 * publishes its state every `heartbeat` ms and runs the peer's state, and each client request,
 * through the guide's state machine (binary-star-fsm.ts). Failover is the clients' vote: a
 * passive server goes active on a client's request once its peer has been silent for `liveness`
 * heartbeats. Recovery is manual: a restarted server finds its peer active and goes passive.
 *
 * Requests the state machine rejects are dropped (the client times out and tries the other
 * server). Two actives (split brain) or two passives are fatal: the server closes its sockets
 * and `stopped` resolves with the reason. Runs on the caller's thread.
 */
export class BinaryStarServer {
  readonly role: BinaryStarRole
  /** The clients' ROUTER. */
  readonly frontend: Router
  /** The state publisher; an XPUB, so a peer's (re)subscription is answered with the state. */
  readonly statePub: XPublisher
  readonly stateSub: Subscriber
  /** Resolves when the server stops: "closed", "split-brain" or "dual-passive". */
  readonly stopped: Promise<BinaryStarStop>
  readonly #handler: BinaryStarHandler
  readonly #heartbeat: number
  readonly #liveness: number
  readonly #clock: Clock
  #state: BinaryStarState
  /** No state message from the peer within `liveness` heartbeats (true until one comes). */
  #peerExpired = true
  #expiry: unknown = null
  #ticker: unknown = null
  #stop: (reason: BinaryStarStop) => void = () => {}
  #closed = false

  private constructor(options: BinaryStarServerOptions, handler: BinaryStarHandler) {
    this.role = options.role
    this.#handler = handler
    this.#heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT
    this.#liveness = options.liveness ?? DEFAULT_LIVENESS
    checkCount("heartbeat", this.#heartbeat, 1)
    checkCount("liveness", this.#liveness, 1)
    this.#clock = options.clock ?? realClock
    this.#state = options.role === "primary" ? "PRIMARY" : "BACKUP"
    const context = options.context ? { context: options.context } : {}
    this.frontend = new Router({ linger: 0, ...context })
    this.statePub = new XPublisher({ linger: 0, verbosity: "allSubs", ...context })
    this.stateSub = new Subscriber({ linger: 0, ...context })
    this.stateSub.subscribe()
    this.stopped = new Promise((resolve) => (this.#stop = resolve))
  }

  /** A server bound and dialling its peer, running until close() or a fatal pair state. */
  static async start(
    options: BinaryStarServerOptions,
    handler: BinaryStarHandler,
  ): Promise<BinaryStarServer> {
    if (options.role !== "primary" && options.role !== "backup") {
      throw new TypeError(`role must be "primary" or "backup", got ${String(options.role)}`)
    }
    const server = new BinaryStarServer(options, handler)
    try {
      await server.statePub.bind(options.statePub)
      await server.frontend.bind(options.frontend)
      server.stateSub.connect(options.stateSub)
    } catch (err) {
      server.close()
      throw err
    }
    void server.#answerSubscriptions()
    void server.#hearPeer()
    void server.#serve()
    server.#tick()
    return server
  }

  get state(): BinaryStarState {
    return this.#state
  }

  /** Stops serving and publishing at once; `stopped` resolves with "closed". */
  close(): void {
    this.#shutdown("closed")
  }

  #shutdown(reason: BinaryStarStop): void {
    if (this.#closed) return
    this.#closed = true
    this.#clock.clearTimeout(this.#ticker)
    this.#clock.clearTimeout(this.#expiry)
    this.frontend.close()
    this.statePub.close()
    this.stateSub.close()
    this.#stop(reason)
  }

  /** Takes one step's outcome in: a new state is published at once, a fatal one stops us. */
  #apply(step: BinaryStarStep, event: BinaryStarFsmEvent): void {
    const from = this.#state
    if (step.kind === "fatal") {
      publish({ type: "fatal", role: this.role, state: from, reason: step.reason })
      this.#shutdown(step.reason)
      return
    }
    if (step.state === from) return
    this.#state = step.state
    publish({ type: "state", role: this.role, from, to: step.state, event })
    if (event === "CLIENT_REQUEST") publish({ type: "failover", role: this.role })
    // Not waiting for the next heartbeat: the peer learns of it (and settles) sooner.
    this.#sendState()
  }

  async #serve(): Promise<void> {
    try {
      for await (const frames of this.frontend) {
        const step = binaryStarStep(this.#state, "CLIENT_REQUEST", this.#peerExpired)
        this.#apply(step, "CLIENT_REQUEST")
        if (step.kind === "serve") void this.#answer(frames)
        else publish({ type: "request-rejected", role: this.role, state: this.#state })
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  /** Replies with the request's envelope (through its empty delimiter, as from a REQ) kept. */
  async #answer(frames: Buffer[]): Promise<void> {
    const delimiter = frames.findIndex((frame, i) => i > 0 && frame.byteLength === 0)
    const split = delimiter === -1 ? 1 : delimiter + 1
    let reply: Message
    try {
      reply = await this.#handler(frames.slice(split))
    } catch (error) {
      publish({ type: "handler-failed", role: this.role, error })
      return
    }
    if (this.#closed) return
    const body = Array.isArray(reply) ? reply : [reply]
    await this.frontend.send([...frames.slice(0, split), ...body]).catch(() => {}) // closed
  }

  async #hearPeer(): Promise<void> {
    try {
      for await (const [frame] of this.stateSub) {
        const event = frame ? decodePeerState(frame) : null
        if (event === null) {
          publish({ type: "malformed", role: this.role })
          continue
        }
        this.#apply(binaryStarStep(this.#state, event, this.#peerExpired), event)
        if (this.#closed) return
        this.#heardPeer()
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  /** The peer is alive for another `liveness` heartbeats. */
  #heardPeer(): void {
    this.#clock.clearTimeout(this.#expiry)
    this.#peerExpired = false
    this.#expiry = this.#clock.setTimeout(() => {
      this.#peerExpired = true
      this.#expiry = null
      publish({ type: "peer-expired", role: this.role })
    }, this.#heartbeat * this.#liveness)
  }

  /** A peer (re)subscribing hears our state now rather than up to a heartbeat later. */
  async #answerSubscriptions(): Promise<void> {
    try {
      for await (const [frame] of this.statePub) {
        if (frame?.[0] === 1) this.#sendState()
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  #sendState(): void {
    if (this.#closed) return
    void this.statePub.send(encodeState(this.#state)).catch(() => {})
  }

  #tick(): void {
    this.#ticker = this.#clock.setTimeout(() => {
      if (this.#closed) return
      this.#sendState()
      this.#tick()
    }, this.#heartbeat)
  }
}
