import { LoadBalancedSocket } from "./load-balanced.js"
import type { SocketConstructorOptions } from "./socket-base.js"

/**
 * DEALER: round-robins sends over the peers that have room (like PUSH) and fair-queues what
 * they send back (like PULL). Messages pass unchanged, with no envelope of its own.
 */
export class Dealer extends LoadBalancedSocket {
  constructor(options?: SocketConstructorOptions) {
    super("DEALER", options)
  }
}
