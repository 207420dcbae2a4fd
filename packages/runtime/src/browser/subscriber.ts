import { ZmqError } from "@omq/transport/zmtp"
import { utf8 } from "./frames.js"
import { XSubscriber, type XSubscriberOptions } from "./xsubscriber.js"

const toBytes = (topic: string | Uint8Array): Uint8Array =>
  typeof topic === "string" ? utf8(topic) : topic

/**
 * SUB: an XSUB whose subscriptions are made with subscribe()/unsubscribe() and which cannot
 * send. Receives the messages whose first frame starts with one of its subscriptions.
 */
export class Subscriber extends XSubscriber {
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
