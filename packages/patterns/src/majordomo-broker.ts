import { type Context, type MessageLike, Router } from "omq"
import { type Clock, realClock } from "./clock.js"
import {
  clientReply,
  DEFAULT_HEARTBEAT,
  DEFAULT_LIVENESS,
  DEFAULT_REQUEST_TIMEOUT,
  type FromWorker,
  MDP_DISCONNECT,
  MDP_HEARTBEAT,
  MDP_REQUEST,
  parseToBroker,
  publish,
  type ToBroker,
  workerCommand,
} from "./majordomo-protocol.js"

export interface MajordomoBrokerOptions {
  /** Milliseconds between heartbeats to workers. Default 2,500. */
  heartbeat?: number
  /** Heartbeats a worker may miss before it is taken for dead. Default 3. */
  liveness?: number
  /** How long a request waits for a worker of its service; Infinity for ever. Default 10,000. */
  requestTimeout?: number
  context?: Context
  clock?: Clock
}

interface Worker {
  id: Buffer
  key: string
  service: Service
  /** Heartbeats left before it is taken for dead; reset by anything it sends. */
  liveness: number
  busy: boolean
}

interface Waiting {
  client: Buffer
  body: Buffer[]
  timer: unknown
}

interface Service {
  name: string
  workers: Set<Worker>
  /** Idle workers, the one idle longest first. */
  idle: Worker[]
  /** Requests waiting for a worker, oldest first. */
  waiting: Waiting[]
}

/**
 * The Majordomo broker (RFC 7, MDP/0.1, with RFC 8's MMI): one ROUTER for clients (`MDPC01`)
 * and workers (`MDPW01`). A request goes to the worker of its service idle longest, or waits
 * until one is idle or `requestTimeout` passes; the reply goes back to its client. Broker and
 * workers heartbeat each other; a worker silent for `liveness` heartbeats is forgotten.
 *
 * A malformed message is dropped (and published), never thrown: one hostile peer must not stop
 * the broker serving the others. A worker that speaks out of turn is sent DISCONNECT and
 * forgotten, as RFC 7 asks. Runs on the caller's thread.
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
          publish({ type: "malformed", peer: id!.toString("hex"), reason: (err as Error).message })
          continue
        }
        if (message.from === "client") this.#fromClient(id!, message.service, message.body)
        else this.#fromWorker(id!, message)
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  #fromClient(client: Buffer, name: string, body: Buffer[]): void {
    if (name.startsWith("mmi.")) {
      this.#send(clientReply(client, name, [Buffer.from(this.#mmi(name, body))]))
      return
    }
    const service = this.#service(name)
    const request: Waiting = { client, body, timer: undefined }
    if (Number.isFinite(this.#requestTimeout)) {
      request.timer = this.#clock.setTimeout(() => {
        service.waiting = service.waiting.filter((r) => r !== request)
        publish({ type: "request-expired", service: name })
        this.#forgetIfUnused(service)
      }, this.#requestTimeout)
    }
    service.waiting.push(request)
    if (service.idle.length === 0) {
      publish({ type: "request-queued", service: name, waiting: service.waiting.length })
    }
    this.#dispatch(service)
  }

  /** RFC 8: `mmi.service` says whether a service has workers; other `mmi.*` are not implemented. */
  #mmi(name: string, body: Buffer[]): string {
    if (name !== "mmi.service") return "501"
    const asked = this.#services.get(body[0]?.toString() ?? "")
    return asked && asked.workers.size > 0 ? "200" : "404"
  }

  #fromWorker(id: Buffer, message: FromWorker): void {
    const key = id.toString("hex")
    const worker = this.#workers.get(key)
    if (worker) worker.liveness = this.#liveness // any command is a heartbeat
    if (message.command === "ready") {
      if (worker) this.#disconnect(id, "READY from a worker already ready")
      else if (message.service.startsWith("mmi.")) {
        this.#disconnect(id, `a worker may not offer ${message.service} (RFC 8)`)
      } else this.#register(id, key, message.service)
    } else if (message.command === "heartbeat") {
      if (!worker) this.#disconnect(id, "HEARTBEAT before READY")
    } else if (message.command === "reply") {
      if (!worker?.busy) {
        this.#disconnect(id, "REPLY without a request")
        return
      }
      this.#send(clientReply(message.client, worker.service.name, message.body))
      worker.busy = false
      worker.service.idle.push(worker)
      this.#dispatch(worker.service)
    } else {
      if (worker) this.#forget(worker)
      publish({ type: "worker-disconnected", worker: key, reason: "it said DISCONNECT" })
    }
  }

  #register(id: Buffer, key: string, name: string): void {
    const service = this.#service(name)
    const worker: Worker = { id, key, service, liveness: this.#liveness, busy: false }
    this.#workers.set(key, worker)
    service.workers.add(worker)
    service.idle.push(worker)
    publish({ type: "worker-ready", worker: key, service: name })
    this.#dispatch(service)
  }

  /** Hands waiting requests to idle workers, the one idle longest first. */
  #dispatch(service: Service): void {
    while (service.idle.length > 0 && service.waiting.length > 0) {
      const worker = service.idle.shift()!
      const request = service.waiting.shift()!
      this.#clock.clearTimeout(request.timer)
      worker.busy = true
      this.#send([worker.id, ...workerCommand(MDP_REQUEST, request.client, "", ...request.body)])
    }
  }

  /** RFC 7: a valid but unexpected command gets DISCONNECT, and the worker is forgotten. */
  #disconnect(id: Buffer, reason: string): void {
    const key = id.toString("hex")
    this.#send([id, ...workerCommand(MDP_DISCONNECT)])
    const worker = this.#workers.get(key)
    if (worker) this.#forget(worker)
    publish({ type: "worker-disconnected", worker: key, reason })
  }

  /** Drops a worker. A request it held is lost: the client's retry asks again (RFC 7). */
  #forget(worker: Worker): void {
    this.#workers.delete(worker.key)
    const service = worker.service
    service.workers.delete(worker)
    service.idle = service.idle.filter((w) => w !== worker)
    this.#forgetIfUnused(service)
  }

  #service(name: string): Service {
    let service = this.#services.get(name)
    if (!service) {
      service = { name, workers: new Set(), idle: [], waiting: [] }
      this.#services.set(name, service)
    }
    return service
  }

  /** Services are named by clients too: one nobody serves or waits on goes, so they cannot pile up. */
  #forgetIfUnused(service: Service): void {
    if (service.workers.size === 0 && service.waiting.length === 0) {
      this.#services.delete(service.name)
    }
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
          this.#send([worker.id, ...workerCommand(MDP_HEARTBEAT)])
          continue
        }
        this.#forget(worker)
        publish({ type: "worker-expired", worker: worker.key, service: worker.service.name })
      }
      this.#tick()
    }, this.#heartbeat)
  }
}
