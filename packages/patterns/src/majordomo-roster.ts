import type { MessageLike } from "omq"
import type { Clock } from "./clock.js"
import { HeartbeatGaps } from "./heartbeat-gaps.js"
import { type MdpVersion, publish, workerCommand } from "./majordomo-protocol.js"
import { type Request, Service, type Worker } from "./majordomo-service.js"

/** What the roster is told by its broker. */
export interface RosterOptions {
  heartbeat: number
  liveness: number
  requestTimeout: number
  clock: Clock
  /** Sends to a worker through the broker's ROUTER (never throws). */
  send(frames: MessageLike[]): void
}

/**
 * The Majordomo broker's book of workers and services (see MajordomoBroker for the rules): who
 * is ready and for what, who is idle, which requests wait and until when, and the heartbeats
 * that keep workers alive or forget the silent ones. It hands a waiting request to an idle
 * worker itself; what the broker reads off its socket it tells the roster by worker.
 *
 * Runs on the broker's thread (the caller's).
 */
export class MajordomoRoster {
  readonly #heartbeat: number
  readonly #liveness: number
  readonly #requestTimeout: number
  readonly #clock: Clock
  readonly #send: (frames: MessageLike[]) => void
  readonly #workers = new Map<string, Worker>()
  readonly #services = new Map<string, Service>()
  #timer: unknown
  #closed = false

  constructor(options: RosterOptions) {
    this.#heartbeat = options.heartbeat
    this.#liveness = options.liveness
    this.#requestTimeout = options.requestTimeout
    this.#clock = options.clock
    this.#send = options.send
  }

  /** How many workers are known (idle or busy). */
  get workers(): number {
    return this.#workers.size
  }

  /** How many requests wait for a worker, over all services. */
  get waiting(): number {
    let count = 0
    for (const service of this.#services.values()) count += service.waiting.length
    return count
  }

  /** How many services are kept: those with a worker or a waiting request. */
  get services(): number {
    return this.#services.size
  }

  /** The worker of ROUTER identity `key` (in hex), if it said READY. */
  worker(key: string): Worker | undefined {
    return this.#workers.get(key)
  }

  /** How many workers serve `name` (for MMI's mmi.service). */
  serving(name: string): number {
    return this.#services.get(name)?.workers.size ?? 0
  }

  /** A client's request joins its service's queue, and goes to an idle worker if there is one. */
  enqueue(name: string, request: Request): void {
    const service = this.#service(name)
    service.waiting.push(request)
    this.#expire(service, request)
    if (service.idle.length === 0) {
      publish({ type: "request-queued", service: name, waiting: service.waiting.length })
    }
    this.#dispatch(service)
  }

  /** A READY: the worker joins its service, idle. */
  register(id: Buffer, key: string, mdp: MdpVersion, name: string): void {
    const service = this.#service(name)
    const worker: Worker = {
      id,
      key,
      mdp,
      service,
      liveness: this.#liveness,
      request: null,
      answered: false,
      beats: new HeartbeatGaps(),
    }
    this.#workers.set(key, worker)
    service.workers.add(worker)
    service.idle.push(worker)
    publish({ type: "worker-ready", worker: key, service: name, mdp })
    this.#dispatch(service)
  }

  /** Anything from a worker is a heartbeat: its liveness starts over. */
  heard(worker: Worker): void {
    worker.liveness = this.#liveness
  }

  /** A HEARTBEAT: its gap from the last one, against the broker's own interval. */
  beat(worker: Worker): void {
    const now = this.#clock.now?.() ?? Date.now()
    const observed = worker.beats.mismatch(now, this.#heartbeat)
    if (observed === null) return
    publish({
      type: "heartbeat-mismatch",
      worker: worker.key,
      service: worker.service.name,
      expected: this.#heartbeat,
      observed,
    })
  }

  /** The worker's FINAL went to its client: it is idle again. */
  replied(worker: Worker): void {
    worker.request = null
    worker.answered = false
    worker.service.idle.push(worker)
    this.#dispatch(worker.service)
  }

  /**
   * Drops a worker. The request in its hands goes back to the head of its queue (see
   * MajordomoBroker) and to the next idle worker, if it may; otherwise it is lost.
   */
  forget(worker: Worker): void {
    this.#workers.delete(worker.key)
    const { service, request } = worker
    service.remove(worker)
    const lost = service.takeBack(worker)
    if (lost) {
      publish({ type: "request-lost", service: service.name, worker: worker.key, reason: lost })
    } else if (request) {
      this.#expire(service, request)
      publish({ type: "request-requeued", service: service.name, worker: worker.key })
      this.#dispatch(service)
    }
    this.#forgetIfUnused(service)
  }

  /** Every interval: a heartbeat to each worker, and the silent ones forgotten. */
  tick(): void {
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closed) return
      for (const worker of [...this.#workers.values()]) {
        if (--worker.liveness > 0) {
          this.#send([worker.id, ...workerCommand(worker.mdp, "heartbeat")])
          continue
        }
        publish({ type: "worker-expired", worker: worker.key, service: worker.service.name })
        this.forget(worker)
      }
      this.tick()
    }, this.#heartbeat)
  }

  /** Stops every timer and forgets everything. */
  close(): void {
    this.#closed = true
    this.#clock.clearTimeout(this.#timer)
    for (const service of this.#services.values()) {
      for (const request of service.waiting) this.#clock.clearTimeout(request.timer)
    }
    this.#services.clear()
    this.#workers.clear()
  }

  /** Hands waiting requests to idle workers, the one idle longest first; never to a busy one. */
  #dispatch(service: Service): void {
    for (let next = service.next(); next; next = service.next()) {
      const { worker, request } = next
      this.#clock.clearTimeout(request.timer)
      worker.request = request
      const frames = workerCommand(worker.mdp, "request", request.client, "", ...request.body)
      this.#send([worker.id, ...frames])
    }
  }

  /** Arms a waiting request's expiry (none with an infinite `requestTimeout`). */
  #expire(service: Service, request: Request): void {
    if (!Number.isFinite(this.#requestTimeout)) return
    request.timer = this.#clock.setTimeout(() => {
      service.removeWaiting(request)
      publish({ type: "request-expired", service: service.name })
      this.#forgetIfUnused(service)
    }, this.#requestTimeout)
  }

  #service(name: string): Service {
    let service = this.#services.get(name)
    if (!service) {
      service = new Service(name)
      this.#services.set(name, service)
    }
    return service
  }

  /**
   * Service names come from clients too: a service nobody serves or waits on goes, so that
   * requests for many made-up names cannot pile up entries (each is gone when it expires).
   */
  #forgetIfUnused(service: Service): void {
    if (service.unused) this.#services.delete(service.name)
  }
}
