import { FairQueue } from "./fair-queue.js"
import type { Peer } from "./peer.js"
import { isSubscription, Publisher, type PublisherOptions } from "./publisher.js"
import type { WithProperties } from "./socket-base.js"
import type { Readable, Writable } from "./socket-capabilities.js"

export interface XPublisherOptions extends PublisherOptions {
  /**
   * Which subscription messages reach the application: null (default) the first subscribe and
   * last unsubscribe of each topic, "allSubs" every subscribe, "allSubsUnsubs" everything.
   */
  verbosity?: null | "allSubs" | "allSubsUnsubs"
  /**
   * Subscriptions are not applied by the socket: every one is delivered, and the application
   * applies them with subscribe()/unsubscribe(), which act on the peer that sent the last one.
   */
  manual?: boolean
  /** Sent to each subscriber as its connection is made. */
  welcomeMessage?: string | Uint8Array | null
}

/**
 * XPUB: a Publisher whose application also receives the subscriptions (0x01|topic and
 * 0x00|topic) and any other message its subscribers send upstream. When a subscriber leaves,
 * the unsubscriptions it implies are delivered too.
 */
export class XPublisher extends Publisher implements Readable, Writable {
  readonly #fq = new FairQueue()
  verbosity: null | "allSubs" | "allSubsUnsubs"
  manual: boolean
  welcomeMessage: string | Uint8Array | null
  /** The peer whose subscription message was read last (the target of manual subscribe()). */
  #lastSubscriber: Peer | null = null

  constructor(options: XPublisherOptions = {}) {
    const { verbosity = null, manual = false, welcomeMessage = null, ...rest } = options
    super(rest, "XPUB")
    this.verbosity = verbosity
    this.manual = manual
    this.welcomeMessage = welcomeMessage
  }

  /** Manual mode: subscribes the peer that sent the last subscription message to `topic`. */
  subscribe(topic: string | Uint8Array): void {
    const peer = this.#lastSubscriber
    const bytes = typeof topic === "string" ? Buffer.from(topic) : topic
    if (peer && !peer.gone) this.subscriptions.addOnce(bytes, peer)
  }

  /** Manual mode: cancels that peer's subscription to `topic`. */
  unsubscribe(topic: string | Uint8Array): void {
    const peer = this.#lastSubscriber
    const bytes = typeof topic === "string" ? Buffer.from(topic) : topic
    if (peer) this.subscriptions.remove(bytes, peer)
  }

  protected override xready(peer: Peer): void {
    if (this.welcomeMessage !== null) this.write(peer, [Buffer.from(this.welcomeMessage)])
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasMessages
  }

  protected override xrecv(): Buffer[] | null {
    const next = this.takeFrom(this.#fq)
    if (!next) return null
    const [peer, frames] = next
    // As libzmq, subscribe()/unsubscribe() act on the sender of the subscription message read
    // last; after a departed peer's unsubscription, on nobody.
    if (this.manual && isSubscription(frames)) this.#lastSubscriber = peer.gone ? null : peer
    return frames
  }

  protected override xmessage(peer: Peer, frames: Buffer[]): void {
    if (this.manual && isSubscription(frames)) {
      this.#fq.push(peer, frames) // delivered as it is; the application decides
      return
    }
    const sub = this.onSubscription(peer, frames)
    if (sub === null) {
      this.#fq.push(peer, frames) // an ordinary message sent upstream
      return
    }
    // Peers holding the topic now; a change moved it by one from `before`.
    const after = this.subscriptions.holders(sub.topic)
    const before = sub.changed ? after + (sub.subscribe ? -1 : 1) : after
    if (!sub.ignored && this.#deliver(before, after, sub.subscribe)) this.#fq.push(peer, frames)
    else this.consumed(peer) // not delivered: its credit goes back now
  }

  protected override xdetach(peer: Peer): void {
    // Manual subscriptions are the application's, not counted per topic: each one the peer held
    // is cancelled back to the application (as libzmq does), whatever the verbosity.
    for (const topic of this.subscriptions.prefixesOf(peer)) {
      const before = this.subscriptions.holders(topic) // still counting this peer
      if (this.manual || this.#deliver(before, before - 1, false)) {
        this.enqueueNotice(this.#fq, peer, [Buffer.concat([Buffer.from([0]), topic])])
      }
    }
    if (this.#lastSubscriber === peer) this.#lastSubscriber = null
    super.xdetach(peer)
  }

  /**
   * Whether the verbosity says to deliver a subscription message that took the number of peers
   * holding its topic from `before` to `after` (equal for a duplicate or a cancel of nothing).
   */
  #deliver(before: number, after: number, subscribe: boolean): boolean {
    if (this.verbosity === "allSubsUnsubs") return true
    if (subscribe) return this.verbosity === "allSubs" || (before === 0 && after === 1)
    return before === 1 && after === 0
  }
}

/** XPUB sends as a PUB does, and receives its subscribers' subscriptions (see socket-capabilities.ts). */
export interface XPublisher {
  receive(): Promise<Buffer[]>
  receiveWithProperties(): Promise<WithProperties<Buffer[]>>
  [Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined>
}
