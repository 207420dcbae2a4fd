import { ZmqError } from "@omq/transport/zmtp"
import type { Sending } from "../socket/message-calls.js"
import type { Message } from "./frames.js"
import { LoadBalancedSocket } from "./load-balanced.js"
import type { SocketConstructorOptions } from "./socket-options.js"

/** PUSH: round-robins messages over its PULL peers with room; it cannot receive. */
export class Push extends LoadBalancedSocket implements Sending<Message> {
  constructor(options?: SocketConstructorOptions) {
    super("PUSH", options)
  }

  protected override xrecv(): Uint8Array[] | null {
    throw new ZmqError("ENOTSUP", "PUSH sockets cannot receive")
  }

  /** A PULL sends nothing; whatever comes is dropped. */
  protected override xmessage(): void {}
}

/** PUSH sends (see socket/socket-capabilities.ts). */
export interface Push {
  send(message: Message): Promise<void>
  trySend(message: Message): boolean
}
