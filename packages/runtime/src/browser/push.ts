import { ZmqError } from "@omq/transport/zmtp"
import { LoadBalancedSocket } from "./load-balanced.js"
import type { SocketConstructorOptions } from "./socket-options.js"

/** PUSH: round-robins messages over its PULL peers with room; it cannot receive. */
export class Push extends LoadBalancedSocket {
  constructor(options?: SocketConstructorOptions) {
    super("PUSH", options)
  }

  protected override xrecv(): Uint8Array[] | null {
    throw new ZmqError("ENOTSUP", "PUSH sockets cannot receive")
  }

  /** A PULL sends nothing; whatever comes is dropped. */
  protected override xmessage(): void {}
}
