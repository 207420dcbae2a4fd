import { ZmqError } from "@omq/transport"
import { LoadBalancedSocket } from "./load-balanced.js"
import type { Peer } from "./peer.js"
import type { SocketBase, SocketConstructorOptions } from "./socket-base.js"

const DELIMITER = new Uint8Array(0)

/**
 * REQ: strictly alternates send and receive. A send puts an empty delimiter before the request
 * and round-robins it over the peers with room; the reply is accepted only from the peer asked,
 * and only with that delimiter. A send out of turn fails at once with EFSM (zeromq.js would
 * wait for ever).
 */
export class Request extends LoadBalancedSocket {
  /** The peer whose reply is awaited; null when the next call must be a send. */
  #asked: Peer | null = null
  #sending = false

  constructor(options?: SocketConstructorOptions) {
    super("REQ", options)
  }

  protected override xsend(frames: Uint8Array[]): boolean {
    this.#asked = this.sendToNext([DELIMITER, ...frames])
    return this.#asked !== null
  }

  protected override xrecv(): Buffer[] | null {
    if (!this.#asked) return null
    for (let next = this.takeFrom(this.fq); next; next = this.takeFrom(this.fq)) {
      const [peer, frames] = next
      // Replies from anyone else, or without the delimiter, are dropped (libzmq's req_t).
      if (peer !== this.#asked || frames.length < 2 || frames[0]!.length !== 0) continue
      this.#asked = null
      return frames.slice(1)
    }
    return null
  }

  /** One request at a time: a send while one is pending or a reply is owed fails with EFSM. */
  override send(message: Parameters<SocketBase["send"]>[0]): Promise<void> {
    if (this.#asked || this.#sending) {
      return Promise.reject(new ZmqError("EFSM", "REQ must receive the reply before sending again"))
    }
    const sent = super.send(message)
    this.#sending = true
    return sent.finally(() => {
      this.#sending = false
    })
  }

  override receive(): Promise<Buffer[]> {
    if (!this.#asked && !this.#sending) {
      return Promise.reject(new ZmqError("EFSM", "REQ must send a request before receiving"))
    }
    return super.receive()
  }
}
