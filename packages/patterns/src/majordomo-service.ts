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

/** Gaps measured before a worker's interval is judged: the median of three shrugs off one. */
const GAPS = 3
/**
 * How far a worker's interval may stray from the broker's before it is reported. Timer jitter
 * and a busy event loop stay well inside; at 1.5 × the broker's interval a worker is still safe
 * with the default liveness of 3 (a beat every two ticks), and a worker this much faster still
 * waits 2 of the broker's intervals for it, so it is a warning before the reconnect storm.
 */
const TOLERANCE = 1.5

/**
 * The gaps between one worker's HEARTBEATs, to tell when it beats at an interval other than the
 * broker's (RFC 7 and 18 both call this a known weakness: the two sides must agree, or they take
 * each other for dead). Other commands do not count: a worker beats on a timer of its own.
 */
export class HeartbeatGaps {
  #last: number | undefined
  #gaps: number[] = []
  #reported = false

  /**
   * Records a HEARTBEAT at `now` (ms). Returns the observed interval the first time it is clearly
   * not `expected`, and null otherwise: a mismatch is told once per worker, not per beat.
   */
  mismatch(now: number, expected: number): number | null {
    // A clock that has not moved (a test's, between two beats) tells nothing about the interval.
    if (this.#last !== undefined && now > this.#last) this.#gaps.push(now - this.#last)
    this.#last = now
    if (this.#gaps.length > GAPS) this.#gaps.shift()
    if (this.#reported || this.#gaps.length < GAPS) return null
    const observed = [...this.#gaps].sort((a, b) => a - b)[GAPS >> 1]!
    if (observed * TOLERANCE >= expected && observed <= expected * TOLERANCE) return null
    this.#reported = true
    return observed
  }
}
