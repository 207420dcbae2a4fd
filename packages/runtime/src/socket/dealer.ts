import { provideZapDealer } from "../security/zap-client.js"
import { LoadBalancedSocket } from "./load-balanced.js"
import type { Message, SocketConstructorOptions, WithProperties } from "./socket-base.js"
import type { Readable, Writable } from "./socket-capabilities.js"

/**
 * DEALER: round-robins sends over the peers that have room (like PUSH) and fair-queues what
 * they send back (like PULL). Messages pass unchanged, with no envelope of its own.
 */
export class Dealer extends LoadBalancedSocket implements Readable, Writable {
  constructor(options: DealerOptions = {}) {
    const { probeRouter = false, ...rest } = options
    super("DEALER", rest)
    this.probe = probeRouter
  }

  /** Sends an empty message to each peer as its connection is made, so a ROUTER learns of it. */
  get probeRouter(): boolean {
    return this.probe
  }
  set probeRouter(value: boolean) {
    this.probe = value
  }
}

provideZapDealer(Dealer)

export interface DealerOptions extends SocketConstructorOptions {
  probeRouter?: boolean
}

/** DEALER sends and receives (see socket-capabilities.ts). */
export interface Dealer {
  receive(): Promise<Buffer[]>
  receiveWithProperties(): Promise<WithProperties<Buffer[]>>
  [Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined>
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
