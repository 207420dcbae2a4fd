import { ZmqError } from "@omq/transport/zmtp"
import { SocketBase } from "./socket-base.js"
import type { SocketConstructorOptions } from "./socket-options.js"

/** PULL: fair-queues messages from its PUSH peers; it cannot send. */
export class Pull extends SocketBase {
  constructor(options?: SocketConstructorOptions) {
    super("PULL", options)
  }

  protected xsend(): boolean {
    throw new ZmqError("ENOTSUP", "PULL sockets cannot send")
  }
}
