import { ZmqError } from "@omq/transport"
import type { ConnectionOptions, SocketAttachment } from "./host-protocol.js"
import { HostedSocket } from "./hosted-socket.js"
import type { ToParent } from "./large-frames-out.js"

/**
 * Owns the connections of every socket attached to it, whatever thread the socket lives on.
 * One IoHost runs in each IO worker; a context with `ioThreads: 0` runs one on the sockets' own
 * thread, with the same code.
 */
export class IoHost {
  readonly #sockets = new Map<number, HostedSocket>()
  readonly #toParent: ToParent | null
  readonly #zapHandlerBound: () => boolean

  /**
   * @param zapHandlerBound whether a ZAP handler is bound in the context (ContextState): with
   * none, handshakes are answered here, without a round trip to the socket's thread.
   * @param toParent on an IO worker: posts to the thread that started it (the context's owner).
   */
  constructor(zapHandlerBound: () => boolean, toParent: ToParent | null = null) {
    this.#zapHandlerBound = zapHandlerBound
    this.#toParent = toParent
  }

  attach(socket: SocketAttachment): void {
    const id = socket.socketId
    const toSocket = this.#toParent?.thread === socket.thread ? this.#toParent : null
    const gone = (): boolean => this.#sockets.delete(id)
    this.#sockets.set(id, new HostedSocket(socket, toSocket, this.#zapHandlerBound, gone))
  }

  bindEndpoint(socketId: number, endpoint: string, options: ConnectionOptions): Promise<string> {
    return this.#get(socketId).bind(endpoint, options)
  }

  unbindEndpoint(socketId: number, endpoint: string): Promise<void> {
    return this.#get(socketId).unbind(endpoint)
  }

  /** Resolves when the socket's Close record has been handled and its connections are gone. */
  async closed(socketId: number): Promise<void> {
    await this.#sockets.get(socketId)?.finished
  }

  /** The sockets of a thread that died close at once (linger 0): nobody will read them. */
  threadDied(thread: number): void {
    for (const socket of this.#sockets.values()) if (socket.thread === thread) socket.abandon()
  }

  #get(socketId: number): HostedSocket {
    const socket = this.#sockets.get(socketId)
    if (!socket) throw new ZmqError("ETERM", `socket ${socketId} is closed`)
    return socket
  }
}
