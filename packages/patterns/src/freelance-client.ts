import { type Context, type Message, type MessageLike, Router, ZmqError } from "omq"
import { type Clock, realClock } from "./clock.js"
import {
  checkCount,
  DEFAULT_PING_INTERVAL,
  DEFAULT_SERVER_TTL,
  DEFAULT_TIMEOUT,
  FLP_PING,
  FLP_PONG,
  isCommand,
  publish,
} from "./freelance-protocol.js"

export interface FreelanceClientOptions {
  /** Milliseconds a server has to answer a request before the next one is tried. Default 3,000. */
  timeout?: number
  /** Milliseconds between PINGs to each server. Default 2,000. */
  pingInterval?: number
  /** Milliseconds of silence after which a server is taken for dead; > pingInterval. Default 6,000. */
  serverTtl?: number
  context?: Context
  /** Timers (tests inject their own). */
  clock?: Clock
}

export interface FreelanceRequestOptions {
  /** Milliseconds each server has to answer this request. Default: the client's `timeout`. */
  timeout?: number
  /** Abandons the request: it rejects with the signal's reason. */
  signal?: AbortSignal
}

interface Server {
  endpoint: string
  /** Answered within the last `serverTtl` ms: requests may go to it. */
  alive: boolean
  /** Fires `serverTtl` ms after the server was last heard. */
  expiry: unknown
}

interface Pending {
  sequence: number
  body: MessageLike[]
  timeout: number
  /** Servers this request was sent to, so a retry goes elsewhere. */
  tried: Set<string>
  /** The server it waits for now; null while it waits for any server to come alive. */
  current: string | null
  timer: unknown
  resolve(reply: Buffer[]): void
  reject(err: unknown): void
  done(): void
}

/**
 * The Freelance client (RFC 10, the zguide's model 3): one ROUTER connected to every server,
 * each known by its endpoint (the routing id chosen at connect), pinged every `pingInterval`.
 * A server is alive while it answers within `serverTtl`.
 *
 * A request goes, with a fresh sequence number, to the first live server in connect order (with
 * none, it waits up to `timeout` for one to answer a ping). A server that does not answer within
 * `timeout`, or expires meanwhile, hands the request to the next live server not yet tried; when
 * none is left, the request rejects with EAGAIN. A reply is matched by its sequence, so a late
 * one from a server given up on still counts, and one to a finished request is dropped.
 *
 * Requests may overlap. Runs on the caller's thread.
 */
export class FreelanceClient {
  readonly #router: Router
  readonly #timeout: number
  readonly #pingInterval: number
  readonly #serverTtl: number
  readonly #clock: Clock
  /** In connect order: the first live one gets each request. */
  readonly #servers = new Map<string, Server>()
  readonly #pending = new Map<number, Pending>()
  #sequence = 0
  #ticker: unknown = null
  #closed = false

  constructor(options: FreelanceClientOptions = {}) {
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT
    this.#pingInterval = options.pingInterval ?? DEFAULT_PING_INTERVAL
    this.#serverTtl = options.serverTtl ?? DEFAULT_SERVER_TTL
    checkCount("timeout", this.#timeout, 1)
    checkCount("pingInterval", this.#pingInterval, 1)
    // One missed ping must not kill a server, or live servers would flap.
    checkCount("serverTtl", this.#serverTtl, this.#pingInterval + 1)
    this.#clock = options.clock ?? realClock
    this.#router = new Router({
      linger: 0,
      ...(options.context ? { context: options.context } : {}),
    })
    // A server is pinged as soon as its connection is up (a ROUTER drops what it sends to a peer
    // not yet connected), so it is known alive without waiting a whole interval.
    this.#router.events.on("handshake", ({ address }) => {
      const server = this.#servers.get(address)
      if (server) this.#ping(server)
      else for (const s of this.#servers.values()) this.#ping(s)
    })
    void this.#receive()
  }

  /** Dials a server (again: EINVAL). Its routing id here is `endpoint`, as in model 3. */
  connect(endpoint: string): void {
    if (this.#closed) throw new ZmqError("EBADF", "client is closed")
    if (this.#servers.has(endpoint))
      throw new ZmqError("EINVAL", `already connected to ${endpoint}`)
    this.#router.connect(endpoint, { routingId: endpoint })
    this.#servers.set(endpoint, { endpoint, alive: false, expiry: null })
    if (this.#ticker === null) this.#tick()
  }

  /** Endpoints of the servers alive now, in connect order. */
  get liveServers(): string[] {
    return [...this.#servers.values()].filter((s) => s.alive).map((s) => s.endpoint)
  }

  /** Sends `message` and resolves with the reply's frames (see the class comment). */
  request(message: Message, options: FreelanceRequestOptions = {}): Promise<Buffer[]> {
    if (this.#closed) return Promise.reject(new ZmqError("EBADF", "client is closed"))
    const timeout = options.timeout ?? this.#timeout
    try {
      checkCount("timeout", timeout, 1)
      options.signal?.throwIfAborted()
    } catch (err) {
      return Promise.reject(err)
    }
    const { signal } = options
    return new Promise((resolve, reject) => {
      const sequence = ++this.#sequence
      const onAbort = (): void => pending.reject(signal!.reason)
      const pending: Pending = {
        sequence,
        body: Array.isArray(message) ? message : [message],
        timeout,
        tried: new Set(),
        current: null,
        timer: null,
        done: () => {
          this.#clock.clearTimeout(pending.timer)
          this.#pending.delete(sequence)
          signal?.removeEventListener("abort", onAbort)
        },
        resolve: (reply) => {
          pending.done()
          resolve(reply)
        },
        reject: (err) => {
          pending.done()
          reject(err)
        },
      }
      this.#pending.set(sequence, pending)
      signal?.addEventListener("abort", onAbort, { once: true })
      this.#dispatch(pending)
    })
  }

  /** Closes the socket at once; waiting requests reject with EBADF. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#clock.clearTimeout(this.#ticker)
    for (const server of this.#servers.values()) this.#clock.clearTimeout(server.expiry)
    for (const pending of [...this.#pending.values()]) {
      pending.reject(new ZmqError("EBADF", "client is closed"))
    }
    this.#router.close()
  }

  /** Sends `pending` to the first live server it has not tried, or gives up (see the class). */
  #dispatch(pending: Pending): void {
    this.#clock.clearTimeout(pending.timer)
    const server = [...this.#servers.values()].find(
      (s) => s.alive && !pending.tried.has(s.endpoint),
    )
    if (server) {
      pending.tried.add(server.endpoint)
      pending.current = server.endpoint
      const frames = [server.endpoint, String(pending.sequence), ...pending.body]
      void this.#router.send(frames).catch(() => {}) // lost with its server: the timer retries
      pending.timer = this.#clock.setTimeout(() => {
        publish({ type: "retry", endpoint: server.endpoint, sequence: pending.sequence })
        this.#dispatch(pending)
      }, pending.timeout)
      return
    }
    pending.current = null
    if (pending.tried.size === 0) {
      // Nothing alive yet (just connected, or all expired): wait for a PONG, for one timeout.
      pending.timer = this.#clock.setTimeout(() => this.#abandon(pending), pending.timeout)
      return
    }
    this.#abandon(pending)
  }

  #abandon(pending: Pending): void {
    const { sequence, tried } = pending
    publish({ type: "abandon", sequence, tried: tried.size })
    pending.reject(new ZmqError("EAGAIN", `no server answered request ${sequence} in time`))
  }

  async #receive(): Promise<void> {
    try {
      for await (const [id, control, ...body] of this.#router) {
        const endpoint = id!.toString()
        const server = this.#servers.get(endpoint)
        if (!server) continue // not one we dialled (a peer announcing another id)
        this.#heard(server)
        if (isCommand(control, FLP_PONG) || isCommand(control, FLP_PING)) continue
        const text = control?.toString("latin1") ?? ""
        if (!/^\d{1,15}$/.test(text)) {
          publish({ type: "malformed", endpoint })
          continue
        }
        const sequence = Number(text)
        const pending = this.#pending.get(sequence)
        if (pending) pending.resolve(body)
        else publish({ type: "stale-reply", endpoint, sequence })
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  /** Anything from a server proves it alive for another `serverTtl`. */
  #heard(server: Server): void {
    this.#clock.clearTimeout(server.expiry)
    server.expiry = this.#clock.setTimeout(() => this.#expire(server), this.#serverTtl)
    if (server.alive) return
    server.alive = true
    publish({ type: "server-alive", endpoint: server.endpoint })
    // Requests waiting for any live server can go now (in the order they were made).
    for (const pending of [...this.#pending.values()]) {
      if (pending.current === null) this.#dispatch(pending)
    }
  }

  #expire(server: Server): void {
    server.alive = false
    server.expiry = null
    publish({ type: "server-expired", endpoint: server.endpoint })
    // Its requests need not wait out their timeout: they move on now.
    for (const pending of [...this.#pending.values()]) {
      if (pending.current !== server.endpoint) continue
      publish({ type: "retry", endpoint: server.endpoint, sequence: pending.sequence })
      this.#dispatch(pending)
    }
  }

  #ping(server: Server): void {
    if (this.#closed) return
    void this.#router.send([server.endpoint, FLP_PING]).catch(() => {})
  }

  /** Every pingInterval: a PING to every server, live or not (a dead one may come back). */
  #tick(): void {
    this.#ticker = this.#clock.setTimeout(() => {
      if (this.#closed) return
      for (const server of this.#servers.values()) this.#ping(server)
      this.#tick()
    }, this.#pingInterval)
  }
}
