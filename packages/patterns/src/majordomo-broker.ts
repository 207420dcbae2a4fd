import { type Context, type MessageLike, Router } from "omq"
import { type Clock, realClock } from "./clock.js"
import { reasonOf } from "./error-reason.js"
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
import { MajordomoRoster } from "./majordomo-roster.js"
import type { Request, Worker } from "./majordomo-service.js"

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
 * forgotten, as both RFCs ask. This class reads and answers the socket; its MajordomoRoster
 * keeps the workers, the queues and the heartbeats. Runs on the caller's thread.
 */
export class MajordomoBroker {
  readonly socket: Router
  readonly #roster: MajordomoRoster
  #closed = false

  private constructor(options: MajordomoBrokerOptions) {
    this.socket = new Router({
      linger: 0,
      ...(options.context ? { context: options.context } : {}),
    })
    this.#roster = new MajordomoRoster({
      heartbeat: options.heartbeat ?? DEFAULT_HEARTBEAT,
      liveness: options.liveness ?? DEFAULT_LIVENESS,
      requestTimeout: options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT,
      clock: options.clock ?? realClock,
      send: (frames) => this.#send(frames),
    })
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
    broker.#roster.tick()
    return broker
  }

  /** How many workers are known (idle or busy). */
  get workers(): number {
    return this.#roster.workers
  }

  /** How many requests wait for a worker, over all services. */
  get waiting(): number {
    return this.#roster.waiting
  }

  /** How many services the broker keeps state for: those with a worker or a waiting request. */
  get services(): number {
    return this.#roster.services
  }

  close(): void {
    this.#closed = true
    this.#roster.close()
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
      const known = this.#roster.serving(body[0]?.toString() ?? "")
      this.#send(clientReply(mdp, client, name, [mmiReply(name, known > 0)]))
      return
    }
    const request: Request = { client, mdp, body, timer: undefined, requeued: false }
    this.#roster.enqueue(name, request)
  }

  #fromWorker(id: Buffer, message: { mdp: MdpVersion } & FromWorker): void {
    const key = id.toString("hex")
    const worker = this.#roster.worker(key)
    const { mdp } = message
    // (A DISCONNECT is taken in either version: nothing may be sent back to it.)
    if (worker && worker.mdp !== mdp && message.command !== "disconnect") {
      this.#disconnect(id, mdp, `MDP/${mdp} from a worker that said READY in MDP/${worker.mdp}`)
      return
    }
    if (worker) this.#roster.heard(worker)
    switch (message.command) {
      case "ready":
        if (worker) this.#disconnect(id, mdp, "READY from a worker already ready")
        else if (message.service.startsWith("mmi.")) {
          this.#disconnect(id, mdp, `a worker may not offer ${message.service} (RFC 8)`)
        } else this.#roster.register(id, key, mdp, message.service)
        return
      case "heartbeat":
        if (!worker) this.#disconnect(id, mdp, "HEARTBEAT before READY")
        else this.#roster.beat(worker)
        return
      case "partial":
      case "final":
        if (!worker?.request?.client.equals(message.client)) {
          const what = mdp === "0.1" ? "REPLY" : message.command.toUpperCase()
          this.#disconnect(id, mdp, `${what} without a request`)
        } else this.#reply(worker, message.command === "final", message.body)
        return
      case "disconnect":
        if (worker) this.#roster.forget(worker)
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
    this.#roster.replied(worker)
  }

  /** A valid but unexpected command gets DISCONNECT (RFC 7, 18), and the worker is forgotten. */
  #disconnect(id: Buffer, mdp: MdpVersion, reason: string): void {
    const key = id.toString("hex")
    this.#send([id, ...workerCommand(mdp, "disconnect")])
    const worker = this.#roster.worker(key)
    if (worker) this.#roster.forget(worker)
    publish({ type: "worker-disconnected", worker: key, reason })
  }

  #send(frames: MessageLike[]): void {
    // A ROUTER drops what it cannot route; a closed one rejects, and that is close()'s business.
    void this.socket.send(frames).catch(() => {})
  }
}
