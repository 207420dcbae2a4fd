import { type Message, ZmqError } from "omq"
import { type Clock, realClock } from "./clock.js"
import type { RequestOptions } from "./lazy-pirate.js"
import { MajordomoClient, type MajordomoClientOptions } from "./majordomo-client.js"
import {
  checkCount,
  DEFAULT_POLL_INTERVAL,
  parseStatus,
  parseUuid,
  statusError,
  TITANIC_CLOSE,
  TITANIC_ERROR,
  TITANIC_OK,
  TITANIC_PENDING,
  TITANIC_REPLY,
  TITANIC_REQUEST,
  type TitanicStatus,
} from "./titanic-protocol.js"

/** As the Majordomo client (`timeout`, `retries`, `context`, `clock`), and `pollInterval`. */
export interface TitanicClientOptions extends MajordomoClientOptions {
  /** Milliseconds call() waits before asking again for a pending reply. Default 100. */
  pollInterval?: number
}

export interface TitanicCallOptions {
  pollInterval?: number
  /** Abandons the call (the request stays stored, unclosed): it rejects with the signal's reason. */
  signal?: AbortSignal
}

/** What titanic.reply said: 200 with the service's reply, 300 (pending), 400 (unknown) or 500. */
export interface TitanicReply {
  status: TitanicStatus
  body: Buffer[]
}

/**
 * A Titanic client (RFC 9): the three TSP services through a Majordomo client, so each call is
 * retried on a fresh socket as the Majordomo client's are (and rejects with EAGAIN when the
 * broker stays silent). A non-200 answer rejects with a ZmqError whose `status` is 400
 * (code EINVAL for a refused request, ENOENT for an unknown UUID) or 500 (code EAGAIN: the
 * server failed, ask later). Requests are served one at a time, in call order.
 */
export class TitanicClient {
  readonly #client: MajordomoClient
  readonly #clock: Clock
  readonly #pollInterval: number

  constructor(broker: string, options: TitanicClientOptions = {}) {
    const { pollInterval = DEFAULT_POLL_INTERVAL, ...majordomo } = options
    checkCount("pollInterval", pollInterval, 0)
    this.#client = new MajordomoClient(broker, majordomo)
    this.#clock = options.clock ?? realClock
    this.#pollInterval = pollInterval
  }

  /** Has Titanic store a request for `service`; resolves with its UUID once it is stored. */
  async request(service: string, body: Message, options: RequestOptions = {}): Promise<string> {
    const frames = Array.isArray(body) ? body : [body]
    const [status, uuid] = await this.#client.request(
      TITANIC_REQUEST,
      [service, ...frames],
      options,
    )
    const code = parseStatus(status)
    if (code !== TITANIC_OK) throw statusError(code, `${TITANIC_REQUEST} ${service}`, "EINVAL")
    const parsed = parseUuid(uuid)
    if (!parsed) throw new ZmqError("EPROTO", `${TITANIC_REQUEST} answered 200 without a UUID`)
    return parsed
  }

  /** Asks for the reply to `uuid`: status 200 and the body when there is one. Never rejects on a status. */
  async reply(uuid: string, options: RequestOptions = {}): Promise<TitanicReply> {
    const [status, ...body] = await this.#client.request(TITANIC_REPLY, uuid, options)
    return { status: parseStatus(status), body }
  }

  /** Tells Titanic the reply to `uuid` is no longer needed (a UUID it does not know is fine). */
  async close(uuid: string, options: RequestOptions = {}): Promise<void> {
    const [status] = await this.#client.request(TITANIC_CLOSE, uuid, options)
    const code = parseStatus(status)
    if (code !== TITANIC_OK) throw statusError(code, `${TITANIC_CLOSE} ${uuid}`, "ENOENT")
  }

  /**
   * request(), then reply() every `pollInterval` ms until it is 200, then close(): resolves with
   * the service's reply. A 500 is asked again after `pollInterval` (RFC 9: retry later); a 400
   * rejects. A failed close does not lose the reply (it is returned; the server keeps the
   * files until a later close).
   */
  async call(service: string, body: Message, options: TitanicCallOptions = {}): Promise<Buffer[]> {
    const pollInterval = options.pollInterval ?? this.#pollInterval
    checkCount("pollInterval", pollInterval, 0)
    const signal = options.signal
    const each: RequestOptions = signal ? { signal } : {}
    let uuid: string
    for (;;) {
      try {
        uuid = await this.request(service, body, each)
        break
      } catch (err) {
        if ((err as ZmqError).status !== 500) throw err
      }
      await this.#sleep(pollInterval, signal)
    }
    for (;;) {
      const reply = await this.reply(uuid, each)
      if (reply.status === TITANIC_OK) {
        await this.close(uuid, each).catch(() => {})
        return reply.body
      }
      if (reply.status !== TITANIC_PENDING && reply.status !== TITANIC_ERROR) {
        throw statusError(reply.status, `${TITANIC_REPLY} ${uuid}`, "ENOENT")
      }
      await this.#sleep(pollInterval, signal)
    }
  }

  /** Closes the Majordomo client's socket; waiting calls reject. */
  dispose(): void {
    this.#client.close()
  }

  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason)
        return
      }
      const onAbort = (): void => {
        this.#clock.clearTimeout(timer)
        reject(signal!.reason)
      }
      const timer = this.#clock.setTimeout(() => {
        signal?.removeEventListener("abort", onAbort)
        resolve()
      }, ms)
      signal?.addEventListener("abort", onAbort, { once: true })
    })
  }
}
