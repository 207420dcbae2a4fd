import type { Receiving } from "../socket/message-calls.js"
import { Queue } from "../util/queue.js"
import { bytesKey } from "./frames.js"
import type { Pipe } from "./pipe.js"
import { subscriptionMessage } from "./prefix-set.js"
import { Publisher, type PublisherOptions } from "./publisher.js"

export interface XPublisherOptions extends PublisherOptions {
  /**
   * Which subscription messages reach the application: null (default) the first subscribe and
   * last unsubscribe of each topic, "allSubs" every subscribe, "allSubsUnsubs" everything.
   */
  verbosity?: null | "allSubs" | "allSubsUnsubs"
}

/**
 * XPUB: a Publisher whose application also receives the subscriptions (0x01|topic and
 * 0x00|topic) and any other message its subscribers send upstream. A subscriber that leaves
 * implies the unsubscriptions of its topics.
 */
export class XPublisher extends Publisher implements Receiving<Uint8Array[]> {
  verbosity: null | "allSubs" | "allSubsUnsubs"
  /** How many peers hold each topic, to tell the first subscribe and last cancel. */
  readonly #holders = new Map<string, number>()
  readonly #incoming = new Queue<Uint8Array[]>()

  constructor(options: XPublisherOptions = {}) {
    const { verbosity = null, ...rest } = options
    super(rest, "XPUB")
    this.verbosity = verbosity
  }

  protected override xrecv(): Uint8Array[] | null {
    return this.#incoming.shift() ?? null
  }

  protected override xhasIn(): boolean {
    return this.#incoming.length > 0
  }

  protected override subscriptionChanged(topic: Uint8Array, subscribe: boolean): void {
    const key = bytesKey(topic)
    const before = this.#holders.get(key) ?? 0
    const after = before + (subscribe ? 1 : -1)
    if (after > 0) this.#holders.set(key, after)
    else this.#holders.delete(key)
    const unique = subscribe ? before === 0 : after === 0
    const verbose = subscribe ? this.verbosity !== null : this.verbosity === "allSubsUnsubs"
    if (unique || verbose) this.#deliver([subscriptionMessage(topic, subscribe)])
  }

  protected override upstream(_pipe: Pipe, frames: Uint8Array[]): void {
    this.#deliver(frames)
  }

  #deliver(frames: Uint8Array[]): void {
    if (this.closed) return
    this.#incoming.push(frames)
    this.retryReceives()
  }
}

/** XPUB also receives: subscriptions and what subscribers send upstream (see Publisher). */
export interface XPublisher {
  receive(): Promise<Uint8Array[]>
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array[], void, undefined>
}
