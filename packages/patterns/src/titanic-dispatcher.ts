import type { Context } from "omq"
import { type Clock, realClock } from "./clock.js"
import { reasonOf } from "./error-reason.js"
import { MajordomoClient } from "./majordomo-client.js"
import { publish } from "./titanic-protocol.js"
import type { TitanicStore } from "./titanic-store.js"

export interface TitanicDispatcherOptions {
  retryInterval: number
  timeout: number
  context?: Context
  clock?: Clock
}

/**
 * The Titanic server's client side: sends each stored request to its service through the
 * broker, and stores the reply. A new request is sent at once; one that gets no answer (no
 * worker offers its service, none answers within `timeout`, the reply could not be stored)
 * stays pending, and every `retryInterval` ms all pending requests are walked again (the
 * zguide's titanic does both). One request is out at a time, oldest first.
 *
 * Before sending, `mmi.service` asks the broker whether the service has a worker: a request
 * for a service nobody offers would otherwise wait in the broker and expire there. A service
 * found absent, or too slow, is not asked again in the same walk. Delivery is at least once: a
 * service slower than `timeout` gets the request again on a later walk.
 */
export class TitanicDispatcher {
  readonly #store: TitanicStore
  readonly #client: MajordomoClient
  readonly #clock: Clock
  readonly #retryInterval: number
  /** Unanswered UUIDs, in the order they were stored. */
  readonly #pending: Set<string>
  readonly #attempts = new Map<string, number>()
  /** Stored since the last walk: sent once before anything else. */
  #fresh: string[] = []
  #retryDue: boolean
  /** A reply being stored, by UUID: a close waits for it, so its delete comes after. */
  readonly #writing = new Map<string, Promise<void>>()
  #running: Promise<void> | null = null
  #timer: unknown
  #closed = false

  constructor(
    broker: string,
    store: TitanicStore,
    pending: readonly string[],
    options: TitanicDispatcherOptions,
  ) {
    this.#store = store
    this.#clock = options.clock ?? realClock
    this.#retryInterval = options.retryInterval
    this.#client = new MajordomoClient(broker, {
      timeout: options.timeout,
      retries: 0, // the walk is the retry: a lost reply is asked for again on the next one
      clock: this.#clock,
      ...(options.context ? { context: options.context } : {}),
    })
    this.#pending = new Set(pending)
    this.#retryDue = this.#pending.size > 0 // what a previous run left is sent at start
    this.#kick()
  }

  get pending(): number {
    return this.#pending.size
  }

  has(uuid: string): boolean {
    return this.#pending.has(uuid)
  }

  /** A request just stored: sent at once. */
  add(uuid: string): void {
    if (this.#closed) return // stored: the next server over this store sends it
    this.#pending.add(uuid)
    this.#fresh.push(uuid)
    this.#kick()
  }

  /** A closed request: never sent again; resolves once a reply being stored for it is written. */
  async forget(uuid: string): Promise<void> {
    this.#pending.delete(uuid)
    this.#attempts.delete(uuid)
    await this.#writing.get(uuid)?.catch(() => {})
  }

  /** Stops sending; resolves once the request in progress (and its store write) is over. */
  async close(): Promise<void> {
    this.#closed = true
    this.#clock.clearTimeout(this.#timer)
    this.#client.close() // the request in progress rejects
    await this.#running
  }

  #kick(): void {
    if (this.#closed || this.#running) return
    this.#running = this.#run().finally(() => {
      this.#running = null
      if (this.#fresh.length > 0 || this.#retryDue) this.#kick()
      else this.#arm()
    })
  }

  /** Fresh requests first, then a walk over everything pending when the timer said so. */
  async #run(): Promise<void> {
    const sent = new Set<string>() // in this run: a fresh request is not walked again at once
    while (!this.#closed) {
      if (this.#fresh.length > 0) {
        const uuid = this.#fresh.shift()!
        sent.add(uuid)
        await this.#send(uuid, new Map())
      } else if (this.#retryDue) {
        this.#retryDue = false
        const available = new Map<string, boolean>()
        for (const uuid of [...this.#pending]) {
          while (this.#fresh.length > 0 && !this.#closed) {
            const fresh = this.#fresh.shift()!
            sent.add(fresh)
            await this.#send(fresh, new Map())
          }
          if (this.#closed) return
          if (sent.has(uuid)) continue
          if (!(await this.#send(uuid, available))) break // the broker is not answering
        }
      } else return
    }
  }

  #arm(): void {
    if (this.#closed || this.#pending.size === 0 || this.#timer !== undefined) return
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined
      if (this.#closed) return
      this.#retryDue = true
      publish({ type: "retry", pending: this.#pending.size })
      this.#kick()
    }, this.#retryInterval)
  }

  /**
   * Sends one request and stores its reply. `available` caches, for one walk, whether a service
   * is worth asking. False when the broker did not answer at all: the walk stops there.
   */
  async #send(uuid: string, available: Map<string, boolean>): Promise<boolean> {
    if (!this.#pending.has(uuid)) return true
    let service = "?"
    const defer = (reason: string): void => publish({ type: "deferred", uuid, service, reason })
    try {
      const request = await this.#store.getRequest(uuid)
      if (!request) {
        this.#pending.delete(uuid) // deleted under us: nothing left to send
        return true
      }
      service = request.service
      if (!this.#pending.has(uuid)) return true
      let up = available.get(service)
      if (up === undefined) {
        try {
          const [status] = await this.#client.request("mmi.service", service)
          up = String(status) !== "404" // 200, or a broker without MMI (501): try it
        } catch (err) {
          if (!this.#closed) defer(`the broker did not answer mmi.service: ${reasonOf(err)}`)
          return false
        }
        available.set(service, up)
      }
      if (!up) {
        defer("no worker offers the service")
        return true
      }
      const attempt = (this.#attempts.get(uuid) ?? 0) + 1
      this.#attempts.set(uuid, attempt)
      publish({ type: "dispatched", uuid, service, attempt })
      let reply: Buffer[]
      try {
        reply = await this.#client.request(service, request.body)
      } catch (err) {
        if (!this.#closed) defer(`no reply: ${reasonOf(err)}`)
        available.set(service, false) // its other requests wait for the next walk
        return true
      }
      if (!this.#pending.has(uuid)) return true // closed while its service worked
      const write = this.#store.putReply(uuid, reply)
      this.#writing.set(uuid, write)
      try {
        await write
      } finally {
        this.#writing.delete(uuid)
      }
      this.#pending.delete(uuid)
      this.#attempts.delete(uuid)
      publish({ type: "replied", uuid, service })
    } catch (err) {
      defer(`the store failed: ${reasonOf(err)}`) // stays pending: the next walk tries again
    }
    return true
  }
}
