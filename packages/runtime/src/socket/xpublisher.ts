import { FairQueue } from "./fair-queue.js"
import type { Peer } from "./peer.js"
import { isSubscription, Publisher, type PublisherOptions } from "./publisher.js"

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
export class XPublisher extends Publisher {
  readonly #fq = new FairQueue()
  /** Subscribers per topic across all peers (latin1 topic). */
  readonly #perTopic = new Map<string, number>()
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
    if (peer && !peer.gone && !this.subscriptions.has(bytes, peer)) {
      this.subscriptions.add(bytes, peer)
    }
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
    const delta = sub.changed ? (sub.subscribe ? 1 : -1) : 0
    if (this.#count(sub.topic, delta, sub.subscribe)) this.#fq.push(peer, frames)
    else this.consumed(peer) // not delivered: its credit goes back now
  }

  protected override xdetach(peer: Peer): void {
    // Manual subscriptions are the application's, not counted per topic: each one the peer held
    // is cancelled back to the application (as libzmq does), whatever the verbosity.
    for (const topic of this.subscriptions.prefixesOf(peer)) {
      const message = Buffer.concat([Buffer.from([0]), topic])
      if (this.manual || this.#count(topic, -1, false))
        this.enqueueNotice(this.#fq, peer, [message])
    }
    if (this.#lastSubscriber === peer) this.#lastSubscriber = null
    super.xdetach(peer)
  }

  /**
   * Updates a topic's subscriber count by `delta` (0 for a duplicate or a cancel of nothing);
   * true when the verbosity says to deliver the message.
   */
  #count(topic: Uint8Array, delta: -1 | 0 | 1, subscribe: boolean): boolean {
    const key = Buffer.from(topic).toString("latin1")
    const before = this.#perTopic.get(key) ?? 0
    const after = before + delta
    if (after === 0) this.#perTopic.delete(key)
    else this.#perTopic.set(key, after)
    if (this.verbosity === "allSubsUnsubs") return true
    if (subscribe) return this.verbosity === "allSubs" || (before === 0 && after === 1)
    return before === 1 && after === 0
  }
}
