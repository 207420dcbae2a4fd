import { ZmqError } from "@omq/transport"
import { PrefixTrie } from "../util/prefix-trie.js"
import type { Peer } from "./peer.js"
import { SocketBase, type SocketConstructorOptions } from "./socket-base.js"

export interface PublisherOptions extends SocketConstructorOptions {
  /** Wait (send() pends, EAGAIN after sendTimeout) instead of dropping at a full subscriber. */
  noDrop?: boolean
  /** Send each message to the subscribers that do NOT match it. */
  invertMatching?: boolean
}

/**
 * Fans messages out to the peers subscribed to a prefix of their first frame. A subscriber at
 * its high-water mark misses the whole message (never part of it); send() never waits unless
 * `noDrop` is set. Subscriptions arrive from peers as 0x01|topic / 0x00|topic messages (the
 * host turns SUBSCRIBE/CANCEL commands into those).
 */
export class Publisher extends SocketBase {
  protected readonly subscriptions = new PrefixTrie<Peer>()
  protected readonly attached = new Set<Peer>()
  noDrop: boolean
  invertMatching: boolean

  constructor(options: PublisherOptions = {}, type: "PUB" | "XPUB" = "PUB") {
    const { noDrop = false, invertMatching = false, ...rest } = options
    super(type, rest)
    this.noDrop = noDrop
    this.invertMatching = invertMatching
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
   * message, else which kind it was and whether the peer's set changed.
   */
  protected onSubscription(
    peer: Peer,
    frames: Buffer[],
  ): { subscribe: boolean; topic: Buffer; changed: boolean } | null {
    if (!isSubscription(frames)) return null
    const first = frames[0]!
    const topic = first.subarray(1)
    const subscribe = first[0] === 1
    const held = this.subscriptions.has(topic, peer)
    if (subscribe && !held) this.subscriptions.add(topic, peer)
    if (!subscribe && held) this.subscriptions.remove(topic, peer)
    return { subscribe, topic, changed: subscribe !== held }
  }

  #targets(topic: Uint8Array): Peer[] {
    const matched: Peer[] = []
    this.subscriptions.match(topic, (peer) => matched.push(peer))
    if (!this.invertMatching) return matched
    const skip = new Set(matched)
    return [...this.attached].filter((peer) => !skip.has(peer))
  }
}

/** A single-frame message 0x01|topic or 0x00|topic. */
export function isSubscription(frames: readonly Uint8Array[]): boolean {
  const first = frames[0]
  return frames.length === 1 && first !== undefined && first.length > 0 && first[0]! <= 1
}
