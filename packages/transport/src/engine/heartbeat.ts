/** ZMTP 3.1 heartbeat settings, as libzmq's ZMQ_HEARTBEAT_* options (milliseconds). */
export interface HeartbeatOptions {
  /** Send a PING this often; 0 sends none. */
  interval: number
  /** The TTL our PINGs announce: the peer may drop us after this long without traffic. */
  timeToLive: number
  /** Drop the peer when nothing arrives this long after a PING; -1 means `interval`. */
  timeout: number
}

export interface HeartbeatActions {
  /** Write a PING announcing `ttlDeciseconds`. */
  ping(ttlDeciseconds: number): void
  /** The peer has been silent too long: drop the connection. */
  expire(reason: string): void
}

/** libzmq's TTL field is a uint16 in deciseconds. */
const MAX_TTL_DS = 0xffff

/**
 * The timers of one connection's heartbeats. Incoming traffic is noted with a flag (a chunk
 * costs one store, not a timer reset); the timers look at it when they fire. Timers are
 * unref'd: the connection, not its heartbeat, keeps a thread alive.
 *
 * Runs on the connection's thread.
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions
  readonly #actions: HeartbeatActions
  #interval: ReturnType<typeof setInterval> | undefined
  #timeout: ReturnType<typeof setTimeout> | undefined
  #ttl: ReturnType<typeof setTimeout> | undefined
  /** Something arrived since the timeout timer was armed. */
  #heardSincePing = true
  /** Something arrived since the peer's TTL timer was armed. */
  #heardSinceTtl = true
  /** The peer PINGed us since our last PING was due (and got a PONG back). */
  #pingedSinceTick = false

  constructor(options: HeartbeatOptions, actions: HeartbeatActions) {
    this.#options = options
    this.#actions = actions
  }

  /** The handshake is done: PINGs start (when an interval is set). */
  start(): void {
    const { interval } = this.#options
    if (interval <= 0) return
    this.#interval = setInterval(() => this.#sendPing(), interval)
    this.#interval.unref()
  }

  /** Bytes arrived from the peer. */
  heard(): void {
    this.#heardSincePing = true
    this.#heardSinceTtl = true
  }

  /**
   * The peer sent a PING (which is answered with a PONG). Its TTL, when not 0, says how long it
   * may stay silent before it counts as gone.
   */
  pinged(deciseconds: number): void {
    this.#pingedSinceTick = true
    if (deciseconds === 0 || this.#ttl) return
    this.#heardSinceTtl = false
    this.#ttl = setTimeout(() => {
      this.#ttl = undefined
      if (!this.#heardSinceTtl) this.#actions.expire("peer's heartbeat TTL expired")
    }, deciseconds * 100)
    this.#ttl.unref()
  }

  stop(): void {
    clearInterval(this.#interval)
    clearTimeout(this.#timeout)
    clearTimeout(this.#ttl)
    this.#interval = this.#timeout = this.#ttl = undefined
  }

  #sendPing(): void {
    // A PING from the peer within the interval already showed it alive, and our PONG showed it
    // us: a PING of ours would add two writes and learn nothing. Two peers that both heartbeat
    // so carry one PING and one PONG per interval instead of two of each (libzmq sends both).
    if (this.#pingedSinceTick) {
      this.#pingedSinceTick = false
      return
    }
    const ttl = Math.min(MAX_TTL_DS, Math.floor(this.#options.timeToLive / 100))
    this.#actions.ping(ttl)
    if (this.#timeout) return
    const { timeout, interval } = this.#options
    this.#heardSincePing = false
    this.#timeout = setTimeout(
      () => {
        this.#timeout = undefined
        if (!this.#heardSincePing) this.#actions.expire("no heartbeat from the peer")
      },
      timeout >= 0 ? timeout : interval,
    )
    this.#timeout.unref()
  }
}
