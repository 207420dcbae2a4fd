import { type Context, type MessageLike, Router } from "omq"
import { type Clock, realClock } from "./clock.js"
import { reasonOf } from "./error-reason.js"
import { HeartbeatGaps } from "./heartbeat-gaps.js"
import {
  clientReply,
  DEFAULT_HEARTBEAT,
  DEFAULT_LIVENESS,
  DEFAULT_REQUEST_TIMEOUT,
  type FromWorker,
  type MdpVersion,
  mmiReply,
  parseToBroker,
  publish,
  type ToBroker,
  workerCommand,
} from "./majordomo-protocol.js"
import { type Request, Service, type Worker } from "./majordomo-service.js"

export interface MajordomoBrokerOptions {
  /** Milliseconds between heartbeats to workers. Default 2,500. */
  heartbeat?: number
  /** Heartbeats a worker may miss before it is taken for dead. Default 3. */
  liveness?: number
  /** How long a request waits for a worker of its service; Infinity for ever. Default 10,000. */
  requestTimeout?: number
  context?: Context
  /** Timers, and `now()` for the heartbeat-mismatch check (tests inject their own). */
  clock?: Clock
}

/**
 * The Majordomo broker (RFC 7 MDP/0.1 and RFC 18 MDP/0.2, with RFC 8's MMI): one ROUTER for
 * clients and workers of both versions, told apart per message by its first frames. A request
 * goes to the worker of its service idle longest, or waits until one is idle or `requestTimeout`
 * passes; the reply goes back to its client in the client's version. Broker and workers
 * heartbeat each other; a worker silent for `liveness` heartbeats is forgotten.
 *
 * Across versions: a 0.2 worker's PARTIALs reach a 0.2 client as they come; a 0.1 client gets
 * only the FINAL, as its REPLY (RFC 7 has one reply per request, and a REQ could take no more).
 *
 * A worker is given a request only while idle, so a worker may leave between two requests
 * without losing one: it says DISCONNECT after its reply. A request that crossed that DISCONNECT
 * on the wire, or was held by a worker that died or was disconnected, goes back to the head of
 * its queue, once, unless part of its reply already reached the client (a second start would
 * send the client the same PARTIALs twice); otherwise it is lost, and the client's retry asks
 * again.
 *
 * A malformed message is dropped (and published), never thrown: one hostile peer must not stop
 * the broker serving the others. A worker that speaks out of turn is sent DISCONNECT and
 * forgotten, as both RFCs ask. Runs on the caller's thread.
 */
export class MajordomoBroker {
  readonly socket: Router
  readonly #heartbeat: number
  readonly #liveness: number
  readonly #requestTimeout: number
  readonly #clock: Clock
  readonly #workers = new Map<string, Worker>()
  readonly #services = new Map<string, Service>()
  #timer: unknown
  #closed = false

  private constructor(options: MajordomoBrokerOptions) {
    this.socket = new Router({
      linger: 0,
      ...(options.context ? { context: options.context } : {}),
    })
    this.#heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT
    this.#liveness = options.liveness ?? DEFAULT_LIVENESS
    this.#requestTimeout = options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT
    this.#clock = options.clock ?? realClock
  }

  /** A broker bound to `endpoint`, running until close(). */
  static async bind(
    endpoint: string,
    options: MajordomoBrokerOptions = {},
  ): Promise<MajordomoBroker> {
    const broker = new MajordomoBroker(options)
    try {
      await broker.socket.bind(endpoint)
    } catch (err) {
      broker.close()
      throw err
    }
    void broker.#serve()
    broker.#tick()
    return broker
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

  /** How many services the broker keeps state for: those with a worker or a waiting request. */
  get services(): number {
    return this.#services.size
  }

  close(): void {
    this.#closed = true
    this.#clock.clearTimeout(this.#timer)
    for (const service of this.#services.values()) {
      for (const request of service.waiting) this.#clock.clearTimeout(request.timer)
    }
    this.#services.clear()
    this.#workers.clear()
    this.socket.close()
  }

  async #serve(): Promise<void> {
    try {
      for await (const [id, ...frames] of this.socket) {
        let message: ToBroker
        try {
          message = parseToBroker(frames)
        } catch (err) {
          publish({ type: "malformed", peer: id!.toString("hex"), reason: reasonOf(err) })
          continue
        }
        if (message.from === "client") {
          this.#fromClient(id!, message.mdp, message.service, message.body)
        } else this.#fromWorker(id!, message)
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  #fromClient(client: Buffer, mdp: MdpVersion, name: string, body: Buffer[]): void {
    if (name.startsWith("mmi.")) {
      const known = this.#services.get(body[0]?.toString() ?? "")?.workers.size ?? 0
      this.#send(clientReply(mdp, client, name, [mmiReply(name, known > 0)]))
      return
    }
    const service = this.#service(name)
    const request: Request = { client, mdp, body, timer: undefined, requeued: false }
    service.waiting.push(request)
    this.#expire(service, request)
    if (service.idle.length === 0) {
      publish({ type: "request-queued", service: name, waiting: service.waiting.length })
    }
    this.#dispatch(service)
  }

  #fromWorker(id: Buffer, message: { mdp: MdpVersion } & FromWorker): void {
    const key = id.toString("hex")
    const worker = this.#workers.get(key)
    const { mdp } = message
    // (A DISCONNECT is taken in either version: nothing may be sent back to it.)
    if (worker && worker.mdp !== mdp && message.command !== "disconnect") {
      this.#disconnect(id, mdp, `MDP/${mdp} from a worker that said READY in MDP/${worker.mdp}`)
      return
    }
    if (worker) worker.liveness = this.#liveness // any command is a heartbeat
    switch (message.command) {
      case "ready":
        if (worker) this.#disconnect(id, mdp, "READY from a worker already ready")
        else if (message.service.startsWith("mmi.")) {
          this.#disconnect(id, mdp, `a worker may not offer ${message.service} (RFC 8)`)
        } else this.#register(id, key, mdp, message.service)
        return
      case "heartbeat":
        if (!worker) this.#disconnect(id, mdp, "HEARTBEAT before READY")
        else this.#beat(worker)
        return
      case "partial":
      case "final":
        if (!worker?.request?.client.equals(message.client)) {
          const what = mdp === "0.1" ? "REPLY" : message.command.toUpperCase()
          this.#disconnect(id, mdp, `${what} without a request`)
        } else this.#reply(worker, message.command === "final", message.body)
        return
      case "disconnect":
        if (worker) this.#forget(worker)
        publish({ type: "worker-disconnected", worker: key, reason: "it said DISCONNECT" })
    }
  }

  /** A worker's PARTIAL or FINAL, passed on to its client in the client's version. */
  #reply(worker: Worker, final: boolean, body: Buffer[]): void {
    const request = worker.request!
    const name = worker.service.name
    // RFC 7 has one reply per request: a 0.1 client gets the FINAL only.
    if (final || request.mdp === "0.2") {
      this.#send(clientReply(request.mdp, request.client, name, body, final))
    }
    if (!final) {
      worker.answered ||= request.mdp === "0.2"
      return
    }
    worker.request = null
    worker.answered = false
    worker.service.idle.push(worker)
    this.#dispatch(worker.service)
  }

  /** A HEARTBEAT: its gap from the last one, against the broker's own interval. */
  #beat(worker: Worker): void {
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

  #register(id: Buffer, key: string, mdp: MdpVersion, name: string): void {
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

  /** A valid but unexpected command gets DISCONNECT (RFC 7, 18), and the worker is forgotten. */
  #disconnect(id: Buffer, mdp: MdpVersion, reason: string): void {
    const key = id.toString("hex")
    this.#send([id, ...workerCommand(mdp, "disconnect")])
    const worker = this.#workers.get(key)
    if (worker) this.#forget(worker)
    publish({ type: "worker-disconnected", worker: key, reason })
  }

  /**
   * Drops a worker. The request in its hands goes back to the head of its queue (see the class
   * comment) and to the next idle worker, if it may; otherwise it is lost.
   */
  #forget(worker: Worker): void {
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

  #send(frames: MessageLike[]): void {
    // A ROUTER drops what it cannot route; a closed one rejects, and that is close()'s business.
    void this.socket.send(frames).catch(() => {})
  }

  /** Every interval: a heartbeat to each worker, and the silent ones forgotten. */
  #tick(): void {
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closed) return
      for (const worker of [...this.#workers.values()]) {
        if (--worker.liveness > 0) {
          this.#send([worker.id, ...workerCommand(worker.mdp, "heartbeat")])
          continue
        }
        publish({ type: "worker-expired", worker: worker.key, service: worker.service.name })
        this.#forget(worker)
      }
      this.#tick()
    }, this.#heartbeat)
  }
}
