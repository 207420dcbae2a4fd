import type { Context, MessageLike } from "omq"
import type { Clock } from "./clock.js"
import { reasonOf } from "./error-reason.js"
import { MajordomoWorker, type MajordomoWorkerOptions } from "./majordomo-worker.js"
import { TitanicDispatcher } from "./titanic-dispatcher.js"
import { FileTitanicStore } from "./titanic-file-store.js"
import {
  checkCount,
  checkServiceName,
  DEFAULT_DISPATCH_TIMEOUT,
  DEFAULT_RETRY_INTERVAL,
  newUuid,
  parseUuid,
  publish,
  TITANIC_CLOSE,
  TITANIC_ERROR,
  TITANIC_OK,
  TITANIC_PENDING,
  TITANIC_REPLY,
  TITANIC_REQUEST,
  TITANIC_UNKNOWN,
} from "./titanic-protocol.js"
import type { TitanicStore } from "./titanic-store.js"

export interface TitanicServerOptions {
  /** Where requests and replies are kept. Default `new FileTitanicStore(".titanic")`. */
  store?: TitanicStore
  /** Milliseconds between walks over the pending requests. Default 1,000 (the zguide's). */
  retryInterval?: number
  /** Milliseconds a dispatched request waits for its service's reply. Default 2,500. */
  timeout?: number
  /** For the three service workers (heartbeat, liveness, reconnect); clock and context default to these options'. */
  worker?: MajordomoWorkerOptions
  context?: Context
  /** Timers for the retry walk and the dispatch timeout (tests inject their own). */
  clock?: Clock
}

type Handler = (frames: Buffer[]) => Promise<MessageLike[]>

/**
 * A Titanic server (RFC 9, TSP): a Majordomo worker for each of `titanic.request`,
 * `titanic.reply` and `titanic.close`, and a dispatcher that sends stored requests on to their
 * services as a Majordomo client. A request is answered 200 only once the store has kept it, so
 * a server that dies after that loses nothing: the next one over the same store sends it.
 *
 * Bad input is answered, never thrown: no service frame, or a UUID that is not 32 hex
 * characters, is 400 (RFC 9's "do not retry"); a store that fails is 500 ("retry later").
 * `titanic.reply` answers 200 and the reply for as long as it is kept (it is idempotent), 300
 * while the request is pending, 400 for an unknown UUID; `titanic.close` answers 200 for any
 * well-formed UUID, known or not. Runs on the caller's thread.
 */
export class TitanicServer {
  readonly store: TitanicStore
  readonly #dispatcher: TitanicDispatcher
  readonly #workers: MajordomoWorker[]
  #closed = false

  private constructor(
    broker: string,
    store: TitanicStore,
    pending: string[],
    options: TitanicServerOptions,
  ) {
    this.store = store
    const context = options.context ? { context: options.context } : {}
    this.#dispatcher = new TitanicDispatcher(broker, store, pending, {
      retryInterval: options.retryInterval ?? DEFAULT_RETRY_INTERVAL,
      timeout: options.timeout ?? DEFAULT_DISPATCH_TIMEOUT,
      ...(options.clock ? { clock: options.clock } : {}),
      ...context,
    })
    const workerOptions: MajordomoWorkerOptions = {
      ...(options.clock ? { clock: options.clock } : {}),
      ...context,
      ...options.worker,
    }
    const services: Array<[string, Handler]> = [
      [TITANIC_REQUEST, (frames) => this.#request(frames)],
      [TITANIC_REPLY, (frames) => this.#reply(frames)],
      [TITANIC_CLOSE, (frames) => this.#close(frames)],
    ]
    this.#workers = services.map(
      ([service, handler]) =>
        new MajordomoWorker(broker, service, guard(service, handler), workerOptions),
    )
  }

  /**
   * A server for the Majordomo broker at `broker` (e.g. "tcp://127.0.0.1:5555"). Reads the
   * store's pending requests first, and sends them on.
   */
  static async start(broker: string, options: TitanicServerOptions = {}): Promise<TitanicServer> {
    checkCount("retryInterval", options.retryInterval ?? DEFAULT_RETRY_INTERVAL, 1)
    checkCount("timeout", options.timeout ?? DEFAULT_DISPATCH_TIMEOUT, 1)
    const store = options.store ?? new FileTitanicStore()
    const pending = await store.pending()
    return new TitanicServer(broker, store, pending, options)
  }

  /** How many stored requests have no reply yet. */
  get pending(): number {
    return this.#dispatcher.pending
  }

  /** Leaves the broker (DISCONNECT) and stops dispatching; resolves once a store write in progress is over. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const worker of this.#workers) worker.close()
    await this.#dispatcher.close()
  }

  /** `[service, body…]` → `[200, uuid]`, once stored. */
  async #request(frames: Buffer[]): Promise<MessageLike[]> {
    const [name, ...body] = frames
    const invalid = checkServiceName(name)
    if (invalid) {
      publish({ type: "malformed", service: TITANIC_REQUEST, reason: invalid })
      return [TITANIC_UNKNOWN]
    }
    const service = name!.toString()
    const uuid = newUuid()
    try {
      await this.store.putRequest(uuid, { service, body })
    } catch (err) {
      publish({ type: "store-failed", service: TITANIC_REQUEST, reason: reasonOf(err) })
      return [TITANIC_ERROR]
    }
    publish({ type: "stored", uuid, service })
    this.#dispatcher.add(uuid)
    return [TITANIC_OK, uuid]
  }

  /** `[uuid]` → `[200, reply…]`, `[300]` while pending, `[400]` when unknown. */
  async #reply(frames: Buffer[]): Promise<MessageLike[]> {
    const uuid = this.#uuid(TITANIC_REPLY, frames)
    if (!uuid) return [TITANIC_UNKNOWN]
    try {
      const reply = await this.store.getReply(uuid)
      if (reply) return [TITANIC_OK, ...reply]
      if (this.#dispatcher.has(uuid)) return [TITANIC_PENDING]
      return (await this.store.getRequest(uuid)) ? [TITANIC_PENDING] : [TITANIC_UNKNOWN]
    } catch (err) {
      publish({ type: "store-failed", service: TITANIC_REPLY, reason: reasonOf(err) })
      return [TITANIC_ERROR]
    }
  }

  /** `[uuid]` → `[200]`, whether or not the UUID was known. */
  async #close(frames: Buffer[]): Promise<MessageLike[]> {
    const uuid = this.#uuid(TITANIC_CLOSE, frames)
    if (!uuid) return [TITANIC_UNKNOWN]
    try {
      await this.#dispatcher.forget(uuid)
      await this.store.delete(uuid)
    } catch (err) {
      publish({ type: "store-failed", service: TITANIC_CLOSE, reason: reasonOf(err) })
      return [TITANIC_ERROR]
    }
    publish({ type: "closed", uuid })
    return [TITANIC_OK]
  }

  /** The one frame `titanic.reply` and `titanic.close` take, or null (published) when it is not a UUID. */
  #uuid(service: string, frames: Buffer[]): string | null {
    const uuid = frames.length === 1 ? parseUuid(frames[0]) : null
    if (!uuid) {
      const reason = frames.length === 1 ? "not a UUID" : `${frames.length} frames, not one UUID`
      publish({ type: "malformed", service, reason })
    }
    return uuid
  }
}

/**
 * A handler that throws would make its worker leave the broker (MajordomoWorker's rule for a
 * failed handler): here a surprise is a 500, and the worker stays.
 */
function guard(service: string, handler: Handler): Handler {
  return async (frames) => {
    try {
      return await handler(frames)
    } catch (err) {
      publish({ type: "store-failed", service, reason: reasonOf(err) })
      return [TITANIC_ERROR]
    }
  }
}
