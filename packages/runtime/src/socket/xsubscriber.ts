import { ZmqError } from "@omq/transport"
import { PrefixTrie } from "../util/prefix-trie.js"
import { FairQueue } from "./fair-queue.js"
import type { Peer } from "./peer.js"
import {
  type Message,
  SocketBase,
  type SocketConstructorOptions,
  type WithProperties,
} from "./socket-base.js"
import type { Readable, Writable } from "./socket-capabilities.js"

const SELF = 0
/** Topics travel as one ring record; this keeps them well inside one. */
const MAX_TOPIC = 64 * 1024

export interface XSubscriberOptions extends SocketConstructorOptions {
  invertMatching?: boolean
}

/**
 * What XSUB and SUB share: subscriptions counted, re-sent to each peer after every reconnect,
 * and also applied to what arrives, so nothing unsubscribed reaches the application even from a
 * peer that does not filter. (SUB is no XSUB: it cannot send; see socket-capabilities.ts.)
 */
export abstract class SubscribingSocket extends SocketBase {
  readonly #fq = new FairQueue()
  readonly #topics = new PrefixTrie<number>()

  /** Receive the messages that match NO subscription (pairs with a PUB's invertMatching). */
  invertMatching: boolean

  constructor(options: XSubscriberOptions = {}, type: "SUB" | "XSUB" = "XSUB") {
    const { invertMatching = false, ...rest } = options
    super(type, rest)
    this.invertMatching = invertMatching
  }

  protected xsend(frames: Uint8Array[]): boolean {
    const first = frames[0]!
    if (frames.length === 1 && first.length > 0 && first[0]! <= 1) {
      this.applySubscription(first.subarray(1), first[0] === 1)
      return true
    }
    // Ordinary messages go upstream to every peer with room, like a PUB's fan-out.
    for (const peer of this.readyPeers()) if (!peer.full) this.write(peer, frames)
    return true
  }

  /** As libzmq: every subscribe goes upstream (publishers keep a set), a cancel only at zero. */
  protected applySubscription(topic: Uint8Array, subscribe: boolean): void {
    if (topic.byteLength > MAX_TOPIC) {
      throw new ZmqError(
        "EINVAL",
        `subscription topic of ${topic.byteLength} bytes exceeds ${MAX_TOPIC}`,
      )
    }
    if (subscribe) this.#topics.add(topic, SELF)
    else if (!this.#topics.remove(topic, SELF)) return
    for (const peer of this.readyPeers()) this.sendSubscription(peer, topic, subscribe)
  }

  protected xrecv(): Buffer[] | null {
    return this.takeFrom(this.#fq)?.[1] ?? null
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasMessages
  }

  /** Always, as libzmq: whether a message can go depends on where it is routed. */
  protected override xhasOut(): boolean {
    return true
  }

  protected xattach(): boolean {
    return true
  }

  /** A (re)connected peer gets every subscription. */
  protected override xready(peer: Peer): void {
    for (const topic of this.#topics.prefixesOf(SELF)) this.sendSubscription(peer, topic, true)
  }

  protected xdetach(): void {}

  protected xmessage(peer: Peer, frames: Buffer[]): void {
    if (this.#topics.matches(frames[0]!) !== this.invertMatching)
      this.enqueue(this.#fq, peer, frames)
    else this.consumed(peer)
  }
}

/**
 * XSUB: the application subscribes by sending 0x01|topic and cancels with 0x00|topic; any other
 * message goes upstream to every peer.
 */
export class XSubscriber extends SubscribingSocket implements Readable, Writable {}

/** XSUB sends and receives (see socket-capabilities.ts). */
export interface XSubscriber {
  receive(): Promise<Buffer[]>
  receiveWithProperties(): Promise<WithProperties>
  [Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined>
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
