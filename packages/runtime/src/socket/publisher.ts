import { ZmqError } from "@omq/transport"
import { PrefixTrie } from "../util/prefix-trie.js"
import type { Peer } from "./peer.js"
import { type Message, SocketBase, type SocketConstructorOptions } from "./socket-base.js"
import type { Writable } from "./socket-capabilities.js"

export interface PublisherOptions extends SocketConstructorOptions {
  /** Wait (send() pends, EAGAIN after sendTimeout) instead of dropping at a full subscriber. */
  noDrop?: boolean
  /** Send each message to the subscribers that do NOT match it. */
  invertMatching?: boolean
  /**
   * Distinct subscriptions one peer may hold, -1 for no limit. Default 100,000. A subscription
   * beyond it is ignored (its messages do not reach that peer) and counted in
   * `ignoredSubscriptions`; libzmq has no such limit.
   */
  maxSubscriptions?: number
}

/**
 * The default per-peer limit. libzmq has none, so a hostile subscriber can send prefixes until
 * the publisher runs out of memory. 100,000 is far above what applications subscribe to through
 * one connection (hundreds to a few thousand topics; those with more tend to use prefixes), so
 * it breaks no normal application, yet it caps one peer at about 100,000 × (its topic size +
 * ~170 bytes): 37 MB for random 200-byte topics (bench/subscription-memory.js). Topic size
 * itself is bounded only by maxMessageSize.
 */
export const DEFAULT_MAX_SUBSCRIPTIONS = 100_000

/**
 * Fans messages out to the peers subscribed to a prefix of their first frame. A subscriber at
 * its high-water mark misses the whole message (never part of it); send() never waits unless
 * `noDrop` is set. Subscriptions arrive from peers as 0x01|topic / 0x00|topic messages (the
 * host turns SUBSCRIBE/CANCEL commands into those).
 */
export class Publisher extends SocketBase implements Writable {
  protected readonly subscriptions = new PrefixTrie<Peer>()
  protected readonly attached = new Set<Peer>()
  noDrop: boolean
  invertMatching: boolean
  #maxSubscriptions = DEFAULT_MAX_SUBSCRIPTIONS
  #ignored = 0

  constructor(options: PublisherOptions = {}, type: "PUB" | "XPUB" = "PUB") {
    const {
      noDrop = false,
      invertMatching = false,
      maxSubscriptions = DEFAULT_MAX_SUBSCRIPTIONS,
      ...rest
    } = options
    checkMaxSubscriptions(maxSubscriptions) // before super(): a socket that fails stays unmade
    super(type, rest)
    this.noDrop = noDrop
    this.invertMatching = invertMatching
    this.maxSubscriptions = maxSubscriptions
  }

  /** Subscriptions ignored because their peer was at maxSubscriptions, since the socket opened. */
  get ignoredSubscriptions(): number {
    return this.#ignored
  }

  /** See PublisherOptions.maxSubscriptions; a lower value keeps what peers already hold. */
  get maxSubscriptions(): number {
    return this.#maxSubscriptions
  }

  set maxSubscriptions(value: number) {
    checkMaxSubscriptions(value)
    this.#maxSubscriptions = value
  }

  protected xsend(frames: Uint8Array[]): boolean {
    const targets = this.#targets(frames[0]!)
    if (this.noDrop && targets.some((peer) => peer.full)) return false
    for (const peer of targets) if (!peer.full) this.write(peer, frames)
    return true
  }

  protected xrecv(): Buffer[] | null {
    throw new ZmqError("ENOTSUP", "PUB sockets cannot receive")
  }

  /** Always, as libzmq: a subscriber at its limit misses the message, nothing waits. */
  protected override xhasOut(): boolean {
    return true
  }

  protected xattach(peer: Peer): boolean {
    this.attached.add(peer)
    return true
  }

  protected xdetach(peer: Peer): void {
    this.attached.delete(peer)
    this.subscriptions.removeKey(peer)
  }

  protected xmessage(peer: Peer, frames: Buffer[]): void {
    this.consumed(peer)
    this.onSubscription(peer, frames)
  }

  /**
   * Applies a 0x01|topic / 0x00|topic message. As in libzmq, a peer's subscriptions form a set
   * here (its SUB counts duplicates and cancels only at zero). Returns null for any other
   * message, else which kind it was, whether the peer's set changed, and whether it was ignored
   * (a new subscription from a peer at maxSubscriptions).
   */
  protected onSubscription(peer: Peer, frames: Buffer[]): SubscriptionChange | null {
    if (!isSubscription(frames)) return null
    const first = frames[0]!
    const topic = first.subarray(1)
    const subscribe = first[0] === 1
    if (!subscribe) {
      const changed = this.subscriptions.remove(topic, peer)
      return { subscribe, topic, changed, ignored: false }
    }
    const limit = this.#maxSubscriptions
    if (limit >= 0 && this.subscriptions.count(peer) >= limit) {
      // At the limit only a subscription the peer already holds is accepted (it changes nothing).
      const held = this.subscriptions.has(topic, peer)
      if (!held) this.#ignored++
      return { subscribe, topic, changed: false, ignored: !held }
    }
    const changed = this.subscriptions.addOnce(topic, peer)
    return { subscribe, topic, changed, ignored: false }
  }

  #targets(topic: Uint8Array): Peer[] {
    const matched: Peer[] = []
    this.subscriptions.match(topic, (peer) => matched.push(peer))
    if (!this.invertMatching) return matched
    const skip = new Set(matched)
    return [...this.attached].filter((peer) => !skip.has(peer))
  }
}

function checkMaxSubscriptions(value: number): void {
  if (!Number.isInteger(value) || value < -1) {
    throw new ZmqError("EINVAL", `maxSubscriptions must be an integer >= -1, not ${value}`)
  }
}

/** What a subscription message did (see Publisher.onSubscription). */
export interface SubscriptionChange {
  subscribe: boolean
  /** A view into the message: copy it to keep it. */
  topic: Buffer
  changed: boolean
  ignored: boolean
}

/** A single-frame message 0x01|topic or 0x00|topic. */
export function isSubscription(frames: readonly Uint8Array[]): boolean {
  const first = frames[0]
  return frames.length === 1 && first !== undefined && first.length > 0 && first[0]! <= 1
}

/** PUB sends (see socket-capabilities.ts). */
export interface Publisher {
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
