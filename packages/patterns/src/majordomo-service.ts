import type { HeartbeatGaps } from "./heartbeat-gaps.js"
import type { MdpVersion } from "./majordomo-protocol.js"

/** A client's request at the broker, waiting for a worker or in one's hands. */
export interface Request {
  /** The client's ROUTER identity. */
  client: Buffer
  /** The version the client spoke: its replies go back in it. */
  mdp: MdpVersion
  body: Buffer[]
  /** Its expiry while it waits (see MajordomoBrokerOptions.requestTimeout). */
  timer: unknown
  /** It went back to its queue once already, after its worker left: never twice (it may be what kills them). */
  requeued: boolean
}

/** A worker as the broker knows it: one DEALER, one service, one version. */
export interface Worker {
  id: Buffer
  /** `id` in hex: the key of the broker's map, and the name in events. */
  key: string
  mdp: MdpVersion
  service: Service
  /** Heartbeats left before it is taken for dead; reset by anything it sends. */
  liveness: number
  /** The request in its hands; null when idle. The broker gives a worker one at a time. */
  request: Request | null
  /** A PARTIAL of that request reached its client, so another worker may not start it again. */
  answered: boolean
  beats: HeartbeatGaps
}

/** One service: its workers and its queue. Gone from the broker once both are empty. */
export class Service {
  readonly workers = new Set<Worker>()
  /** Idle workers, the one idle longest first. */
  idle: Worker[] = []
  /** Requests waiting for a worker, oldest first. */
  waiting: Request[] = []

  constructor(readonly name: string) {}

  /** Nobody serves it and nobody waits on it: the broker forgets it (clients name services too). */
  get unused(): boolean {
    return this.workers.size === 0 && this.waiting.length === 0
  }

  /** Pairs the next waiting request with the worker idle longest, or null. */
  next(): { worker: Worker; request: Request } | null {
    if (this.idle.length === 0 || this.waiting.length === 0) return null
    return { worker: this.idle.shift()!, request: this.waiting.shift()! }
  }

  remove(worker: Worker): void {
    this.workers.delete(worker)
    this.idle = this.idle.filter((w) => w !== worker)
  }

  /**
   * Takes back the request a leaving `worker` held: to the head of the queue, unless part of its
   * reply reached the client or it was taken back once already. Returns why it is lost then,
   * and null otherwise (nothing held is null too).
   */
  takeBack(worker: Worker): string | null {
    const { request, answered } = worker
    worker.request = null
    worker.answered = false
    if (!request) return null
    if (answered) return "part of its reply had reached the client"
    if (request.requeued) return "it was given to a worker that left once already"
    request.requeued = true
    this.waiting.unshift(request)
    return null
  }

  removeWaiting(request: Request): void {
    this.waiting = this.waiting.filter((r) => r !== request)
  }
}
