import { ZmqError } from "@omq/transport/zmtp"
import type { Receiving } from "../socket/message-calls.js"
import { SocketBase } from "./socket-base.js"
import type { SocketConstructorOptions } from "./socket-options.js"

/** PULL: fair-queues messages from its PUSH peers; it cannot send. */
export class Pull extends SocketBase implements Receiving<Uint8Array[]> {
  constructor(options?: SocketConstructorOptions) {
    super("PULL", options)
  }

  protected xsend(): boolean {
    throw new ZmqError("ENOTSUP", "PULL sockets cannot send")
  }
}

/** PULL receives (see socket/socket-capabilities.ts). */
export interface Pull {
  receive(): Promise<Uint8Array[]>
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array[], void, undefined>
}
