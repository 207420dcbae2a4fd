import { ZmqError } from "@omq/transport/zmtp"
import type { Sending } from "../socket/message-calls.js"
import type { Message } from "./frames.js"
import type { Pipe } from "./pipe.js"
import { isSubscription, PrefixSet } from "./prefix-set.js"
import { SocketBase } from "./socket-base.js"
import type { SocketConstructorOptions } from "./socket-options.js"

export interface PublisherOptions extends SocketConstructorOptions {
  /** Wait (send() pends, EAGAIN after sendTimeout) instead of dropping at a full subscriber. */
  noDrop?: boolean
  /** Send each message to the subscribers that do NOT match it. */
  invertMatching?: boolean
}

/**
 * PUB: fans each message out to the peers subscribed to a prefix of its first frame. A peer at
 * its high-water mark misses the whole message; send() never waits unless `noDrop`. Peers
 * subscribe with 0x01|topic / 0x00|topic messages (what libzmq sends over ws) or SUBSCRIBE /
 * CANCEL commands; each peer's subscriptions form a set, as in libzmq.
 */
export class Publisher extends SocketBase implements Sending<Message> {
  noDrop: boolean
  invertMatching: boolean
  /** Each attached pipe's subscriptions. */
  readonly #subscriptions = new Map<Pipe, PrefixSet>()

  constructor(options: PublisherOptions = {}, type: "PUB" | "XPUB" = "PUB") {
    const { noDrop = false, invertMatching = false, ...rest } = options
    super(type, rest)
    this.noDrop = noDrop
    this.invertMatching = invertMatching
  }

  protected xsend(frames: Uint8Array[]): boolean {
    const targets: Pipe[] = []
    for (const [pipe, topics] of this.#subscriptions) {
      if (topics.matches(frames[0]!) !== this.invertMatching) targets.push(pipe)
    }
    if (this.noDrop && targets.some((pipe) => pipe.full)) return false
    for (const pipe of targets) if (!pipe.full) pipe.write(frames)
    return true
  }

  protected override xrecv(): Uint8Array[] | null {
    throw new ZmqError("ENOTSUP", "PUB sockets cannot receive")
  }

  protected override xhasIn(): boolean {
    return false
  }

  /** Always, as libzmq: a subscriber at its limit misses the message, nothing waits. */
  protected override xhasOut(): boolean {
    return true
  }

  protected override xattach(pipe: Pipe): boolean {
    this.#subscriptions.set(pipe, new PrefixSet())
    return true
  }

  protected override xdetach(pipe: Pipe): void {
    const topics = this.#subscriptions.get(pipe)
    this.#subscriptions.delete(pipe)
    if (topics) for (const topic of topics.prefixes()) this.subscriptionChanged(topic, false)
  }

  /** A reconnected peer may be another subscriber: it sends its subscriptions again. */
  protected override xready(pipe: Pipe): void {
    const topics = this.#subscriptions.get(pipe)
    if (!topics || topics.size === 0) return
    this.#subscriptions.set(pipe, new PrefixSet())
    for (const topic of topics.prefixes()) this.subscriptionChanged(topic, false)
  }

  protected override xmessage(pipe: Pipe, frames: Uint8Array[]): void {
    if (isSubscription(frames)) {
      this.xsubscription(pipe, frames[0]!.subarray(1), frames[0]![0] === 1)
    } else this.upstream(pipe, frames)
  }

  protected override xsubscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void {
    const topics = this.#subscriptions.get(pipe)
    if (!topics || topics.has(topic) === subscribe) return // a set: nothing changes
    if (subscribe) topics.add(topic)
    else topics.remove(topic)
    this.subscriptionChanged(topic.slice(), subscribe)
  }

  /** One peer's set gained or lost `topic` (XPUB tells the application). */
  protected subscriptionChanged(_topic: Uint8Array, _subscribe: boolean): void {}

  /** A message from a subscriber that is not a subscription: PUB drops it. */
  protected upstream(_pipe: Pipe, _frames: Uint8Array[]): void {}
}

/** PUB sends (see socket/socket-capabilities.ts). */
export interface Publisher {
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
