import { ZmqError } from "@omq/transport/zmtp"
import type { Receiving } from "../socket/message-calls.js"
import { utf8 } from "./frames.js"
import { SubscribingSocket, type XSubscriberOptions } from "./xsubscriber.js"

const toBytes = (topic: string | Uint8Array): Uint8Array =>
  typeof topic === "string" ? utf8(topic) : topic

/**
 * SUB: subscribes with subscribe()/unsubscribe(), as an XSUB does with messages, and cannot
 * send. Receives the messages whose first frame starts with one of its subscriptions.
 */
export class Subscriber extends SubscribingSocket implements Receiving<Uint8Array[]> {
  constructor(options?: XSubscriberOptions) {
    super(options, "SUB")
  }

  /** Subscribes to each prefix; with none, to everything (the empty prefix). */
  subscribe(...prefixes: Array<string | Uint8Array>): void {
    for (const prefix of prefixes.length === 0 ? [""] : prefixes) {
      this.applySubscription(toBytes(prefix), true)
    }
  }

  /** Cancels one subscription to each prefix; with none, the empty prefix. */
  unsubscribe(...prefixes: Array<string | Uint8Array>): void {
    for (const prefix of prefixes.length === 0 ? [""] : prefixes) {
      this.applySubscription(toBytes(prefix), false)
    }
  }

  protected override xsend(): boolean {
    throw new ZmqError("ENOTSUP", "SUB sockets cannot send")
  }

  protected override xhasOut(): boolean {
    return false
  }
}

/** SUB receives (see socket/socket-capabilities.ts). */
export interface Subscriber {
  receive(): Promise<Uint8Array[]>
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array[], void, undefined>
}
