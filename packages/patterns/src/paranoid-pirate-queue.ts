import { type Context, Router } from "omq"
import { type Clock, realClock } from "./clock.js"
import { HeartbeatGaps } from "./heartbeat-gaps.js"
import {
  DEFAULT_INTERVAL,
  DEFAULT_LIVENESS,
  isCommand,
  PPP_HEARTBEAT,
  PPP_READY,
  publish,
} from "./paranoid-pirate-protocol.js"

export interface ParanoidPirateQueueOptions {
  /** Milliseconds between heartbeats. Default 1,000. */
  interval?: number
  /** Heartbeats a worker may miss before it is taken for dead. Default 3. */
  liveness?: number
  context?: Context
  clock?: Clock
}

interface Worker {
  id: Buffer
  /** Heartbeats left before it is taken for dead; reset by anything it sends. */
  liveness: number
  busy: boolean
  /** Its HEARTBEATs' gaps, to tell a worker beating at another interval than the queue's. */
  beats: HeartbeatGaps
}

/**
 * The Paranoid Pirate queue (RFC 6): clients' requests (a frontend ROUTER, for REQ or Lazy
 * Pirate clients) go to the worker idle longest (a backend ROUTER, for ParanoidPirateWorkers);
 * replies go back to their client. Queue and workers heartbeat each other; a worker silent for
 * `liveness` heartbeats is forgotten. Requests wait here while no worker is idle.
 *
 * Unlike the zguide's ppqueue, a heartbeat from a busy worker keeps it alive without making it
 * idle, so a worker never holds two requests at once. Runs on the caller's thread.
 */
export class ParanoidPirateQueue {
  readonly frontend: Router
  readonly backend: Router
  readonly #liveness: number
  readonly #clock: Clock
  readonly #interval: number
  readonly #workers = new Map<string, Worker>()
  /** Idle workers, the one idle longest first. */
  #idle: Worker[] = []
  #idleWaiter: (() => void) | null = null
  #timer: unknown
  #closed = false

  private constructor(options: ParanoidPirateQueueOptions) {
    const context = options.context ? { context: options.context } : {}
    this.frontend = new Router({ linger: 0, ...context })
    this.backend = new Router({ linger: 0, ...context })
    this.#interval = options.interval ?? DEFAULT_INTERVAL
    this.#liveness = options.liveness ?? DEFAULT_LIVENESS
    this.#clock = options.clock ?? realClock
  }

  /** A queue bound to both endpoints, running until close(). */
  static async bind(
    frontend: string,
    backend: string,
    options: ParanoidPirateQueueOptions = {},
  ): Promise<ParanoidPirateQueue> {
    const queue = new ParanoidPirateQueue(options)
    try {
      await queue.frontend.bind(frontend)
      await queue.backend.bind(backend)
    } catch (err) {
      queue.close()
      throw err
    }
    void queue.#fromWorkers()
    void queue.#fromClients()
    queue.#tick()
    return queue
  }

  /** How many workers are known (idle or busy). */
  get workers(): number {
    return this.#workers.size
  }

  close(): void {
    this.#closed = true
    this.#clock.clearTimeout(this.#timer)
    this.frontend.close()
    this.backend.close()
    this.#idleWaiter?.()
  }

  async #fromWorkers(): Promise<void> {
    try {
      for await (const [id, ...rest] of this.backend) {
        const known = this.#workers.has(id!.toString("hex"))
        const worker = this.#heard(id!)
        // A worker heard again after it expired (a partition healed) may come back with
        // heartbeats rather than READY: alive and holding nothing it knows of, so idle.
        if (isCommand(rest, PPP_HEARTBEAT)) {
          this.#beat(worker)
          if (!known) this.#makeIdle(worker)
          continue
        }
        if (!isCommand(rest, PPP_READY)) await this.frontend.send(rest) // [client, "", reply…]
        worker.busy = false
        this.#makeIdle(worker)
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  async #fromClients(): Promise<void> {
    try {
      while (!this.#closed) {
        await this.#untilIdle()
        if (this.#closed) return
        const request = await this.frontend.receive() // [client, "", body…]
        await this.#untilIdle() // the worker may have expired meanwhile
        const worker = this.#idle.shift()
        if (!worker) continue
        worker.busy = true
        await this.backend.send([worker.id, ...request])
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  /** A worker sent something: it is alive (known from now on, if it was not). */
  #heard(id: Buffer): Worker {
    const key = id.toString("hex")
    let worker = this.#workers.get(key)
    if (!worker) {
      worker = { id, liveness: this.#liveness, busy: false, beats: new HeartbeatGaps() }
      this.#workers.set(key, worker)
      publish({ type: "worker-ready", worker: key })
    }
    worker.liveness = this.#liveness
    return worker
  }

  /** A HEARTBEAT: its gap from the last one, against the queue's own interval. */
  #beat(worker: Worker): void {
    const observed = worker.beats.mismatch(this.#clock.now?.() ?? Date.now(), this.#interval)
    if (observed === null) return
    publish({
      type: "heartbeat-mismatch",
      worker: worker.id.toString("hex"),
      expected: this.#interval,
      observed,
    })
  }

  #makeIdle(worker: Worker): void {
    if (this.#idle.includes(worker)) return
    this.#idle.push(worker)
    this.#idleWaiter?.()
  }

  #untilIdle(): Promise<void> {
    if (this.#idle.length > 0 || this.#closed) return Promise.resolve()
    return new Promise((resolve) => {
      this.#idleWaiter = () => {
        this.#idleWaiter = null
        resolve()
      }
    })
  }

  /** Every interval: a heartbeat to each worker, and the silent ones forgotten. */
  #tick(): void {
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closed) return
      for (const [key, worker] of this.#workers) {
        if (--worker.liveness > 0) {
          void this.backend.send([worker.id, PPP_HEARTBEAT]).catch(() => {})
          continue
        }
        this.#workers.delete(key)
        this.#idle = this.#idle.filter((w) => w !== worker)
        publish({ type: "worker-expired", worker: key })
      }
      this.#tick()
    }, this.#interval)
  }
}
