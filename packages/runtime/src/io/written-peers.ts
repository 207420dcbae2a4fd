import { deadlineOf, untilDeadline } from "../util/deadline.js"
import type { HostedPeer } from "./hosted-peer.js"

/**
 * The pipes a host wrote to during one drain of its socket's records, written out to the kernel
 * once at the drain's end (one write per connection and burst), with send credit returned for
 * what the kernel took. Also how a closing socket lingers: until no pipe holds messages.
 *
 * One per HostedSocket, on the host's thread.
 */
export class WrittenPeers {
  readonly #peers = new Set<HostedPeer>()
  readonly #credit: (peer: HostedPeer, count: number) => void
  /** Set while a linger waits: checks after each flush whether everything went. */
  #onFlushed: (() => void) | null = null

  /** @param credit returns send credit to the socket. */
  constructor(credit: (peer: HostedPeer, count: number) => void) {
    this.#credit = credit
  }

  add(peer: HostedPeer): void {
    this.#peers.add(peer)
  }

  /** A pipe went away with what it held: a linger waiting on it may be over. */
  delete(peer: HostedPeer): void {
    this.#peers.delete(peer)
    this.#onFlushed?.()
  }

  /** Writes out what this drain produced and returns send credit for what the kernel took. */
  flush(): void {
    for (const peer of this.#peers) {
      const engine = peer.engine
      if (!engine) continue
      if (!engine.flush()) {
        peer.blocked = true
        continue
      }
      if (peer.written > 0) {
        this.#credit(peer, peer.written)
        peer.written = 0
      }
    }
    this.#peers.clear()
    this.#onFlushed?.()
  }

  /** Resolves once no pipe of `all` holds a message or waits for a drain, or after `linger` ms. */
  untilSent(all: () => Iterable<HostedPeer>, linger: number): Promise<void> {
    const sent = new Promise<void>((resolve) => {
      this.#onFlushed = () => {
        for (const peer of all()) if (peer.queue.length > 0 || peer.blocked) return
        resolve()
      }
      this.#onFlushed()
    })
    return untilDeadline(sent, deadlineOf(linger)).finally(() => {
      this.#onFlushed = null
    })
  }
}
