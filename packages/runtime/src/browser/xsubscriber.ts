import type { Receiving, Sending } from "../socket/message-calls.js"
import type { Message } from "./frames.js"
import type { Pipe } from "./pipe.js"
import { isSubscription, PrefixSet, subscriptionMessage } from "./prefix-set.js"
import { SocketBase } from "./socket-base.js"
import type { SocketConstructorOptions } from "./socket-options.js"

export interface XSubscriberOptions extends SocketConstructorOptions {
  /** Receive the messages that match NO subscription (pairs with a PUB's invertMatching). */
  invertMatching?: boolean
}

/**
 * What XSUB and SUB share. Subscriptions travel as data messages (0x01|topic, 0x00|topic), never
 * as SUBSCRIBE commands: libzmq's ws engine drops the commands. They are counted, sent again on
 * every new connection, and applied to what arrives too, so nothing unsubscribed reaches the
 * application even from a peer that does not filter. (SUB is no XSUB: it cannot send.)
 */
export abstract class SubscribingSocket extends SocketBase {
  invertMatching: boolean
  readonly #topics = new PrefixSet()

  constructor(options: XSubscriberOptions = {}, type: "SUB" | "XSUB" = "XSUB") {
    const { invertMatching = false, ...rest } = options
    super(type, rest)
    this.invertMatching = invertMatching
  }

  protected xsend(frames: Uint8Array[]): boolean {
    if (isSubscription(frames)) {
      this.applySubscription(frames[0]!.subarray(1), frames[0]![0] === 1)
      return true
    }
    for (const pipe of this.attachedPipes) if (pipe.up && !pipe.full) pipe.write(frames)
    return true
  }

  /** As libzmq: every subscribe goes upstream (publishers keep a set), a cancel only at zero. */
  protected applySubscription(topic: Uint8Array, subscribe: boolean): void {
    topic = topic.slice() // kept: the caller may reuse its buffer
    if (subscribe) this.#topics.add(topic)
    else if (!this.#topics.remove(topic)) return
    // Pipes not up get every subscription when their handshake is done (xready).
    const message = [subscriptionMessage(topic, subscribe)]
    for (const pipe of this.attachedPipes) if (pipe.up) pipe.write(message)
  }

  /** Always, as libzmq: whether a message can go depends on where it is routed. */
  protected override xhasOut(): boolean {
    return true
  }

  protected override xready(pipe: Pipe): void {
    for (const topic of this.#topics.prefixes()) pipe.write([subscriptionMessage(topic, true)])
  }

  protected override xmessage(pipe: Pipe, frames: Uint8Array[]): void {
    if (this.#topics.matches(frames[0]!) !== this.invertMatching) this.fq.push(pipe, frames)
  }
}

/**
 * XSUB: the application subscribes by sending 0x01|topic and cancels with 0x00|topic; any other
 * message goes upstream to every peer.
 */
export class XSubscriber
  extends SubscribingSocket
  implements Receiving<Uint8Array[]>, Sending<Message> {}

/** XSUB sends and receives (see socket/socket-capabilities.ts). */
export interface XSubscriber {
  receive(): Promise<Uint8Array[]>
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array[], void, undefined>
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
