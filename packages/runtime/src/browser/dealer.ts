import type { Receiving, Sending } from "../socket/message-calls.js"
import type { Message } from "./frames.js"
import { LoadBalancedSocket } from "./load-balanced.js"
import type { SocketConstructorOptions } from "./socket-options.js"

export interface DealerOptions extends SocketConstructorOptions {
  probeRouter?: boolean
}

/**
 * DEALER: round-robins sends over its peers with room and fair-queues what they send back.
 * Messages pass unchanged, with no envelope of its own.
 */
export class Dealer
  extends LoadBalancedSocket
  implements Receiving<Uint8Array[]>, Sending<Message>
{
  constructor(options: DealerOptions = {}) {
    const { probeRouter = false, ...rest } = options
    super("DEALER", rest)
    this.probe = probeRouter
  }

  /** Sends an empty message on each new connection, so that a ROUTER learns of it. */
  get probeRouter(): boolean {
    return this.probe
  }
  set probeRouter(value: boolean) {
    this.probe = value
  }
}

/** DEALER sends and receives (see socket/socket-capabilities.ts). */
export interface Dealer {
  receive(): Promise<Uint8Array[]>
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array[], void, undefined>
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
