import { type Context, Dealer, Subscriber, XPublisher } from "omq"
import {
  CHP_HUGZ,
  CHP_ICANHAZ,
  type CloneAddress,
  type CloneEntry,
  COLLECTOR_OFFSET,
  endpointOf,
  type KvMsg,
  PUBLISHER_OFFSET,
} from "./clone-protocol.js"

/** What a session reports to its client; nothing is reported once it is closed. */
export interface CloneSessionHandlers {
  context?: Context | undefined
  /** A message on the snapshot DEALER (KVSYNC or KTHXBAI). */
  onSnapshot(frames: Buffer[]): void
  /** A message on the SUB (KVPUB or HUGZ). */
  onUpdate(frames: Buffer[]): void
  /** The server's collector subscribed to our PUB: what we send it now is not dropped. */
  onCollectorReady(): void
  /** Anything at all came from the server. */
  onHeard(): void
  /** A connection to the server dropped: updates may have been missed, or it restarted empty. */
  onLost(): void
}

/**
 * A client's three sockets to one server, for as long as it serves the client: a DEALER to P
 * (snapshot), a SUB to P + 1 (updates) and a PUB to P + 2 (our sets). The PUB is an XPUB, which
 * is the same on the wire, so that it sees the server's subscription arrive: a PUB drops what
 * it sends before that. ICANHAZ goes once the SUB is connected, so the updates that follow the
 * snapshot reach us. A failover closes the session and opens a fresh one: nothing late from the
 * old server can be mistaken for the new one's.
 */
export class CloneSession {
  /** The server's snapshot endpoint (its name in events). */
  readonly endpoint: string
  /** KVSYNCs received so far. */
  readonly snapshot = new Map<string, CloneEntry>()
  /** Updates received before KTHXBAI, applied after it. */
  readonly held: KvMsg[] = []
  synced = false
  collectorReady = false
  readonly #dealer: Dealer
  readonly #sub: Subscriber
  readonly #pub: XPublisher
  readonly #handlers: CloneSessionHandlers
  #asked = false
  #closed = false

  constructor(address: CloneAddress, subtree: string, handlers: CloneSessionHandlers) {
    this.endpoint = endpointOf(address)
    this.#handlers = handlers
    const options = { linger: 0, ...(handlers.context ? { context: handlers.context } : {}) }
    this.#dealer = new Dealer(options)
    this.#sub = new Subscriber(options)
    this.#pub = new XPublisher(options)
    this.#sub.subscribe(subtree)
    if (subtree !== "") this.#sub.subscribe(CHP_HUGZ)
    this.#sub.events.on("handshake", () => {
      if (this.#asked || this.#closed) return
      this.#asked = true
      void this.#dealer.send([CHP_ICANHAZ, subtree]).catch(() => {})
    })
    const lost = (): void => {
      if (!this.#closed) handlers.onLost()
    }
    this.#sub.events.on("disconnect", lost)
    this.#dealer.events.on("disconnect", lost)
    this.#dealer.connect(this.endpoint)
    this.#sub.connect(endpointOf(address, PUBLISHER_OFFSET))
    this.#pub.connect(endpointOf(address, COLLECTOR_OFFSET))
    void this.#read(this.#dealer, (frames) => handlers.onSnapshot(frames))
    void this.#read(this.#sub, (frames) => handlers.onUpdate(frames))
    void this.#read(this.#pub, (frames) => {
      // Only subscriptions (0x01 + topic) come up an XPUB from a SUB.
      if (frames[0]?.[0] !== 1 || this.collectorReady) return
      this.collectorReady = true
      handlers.onCollectorReady()
    })
  }

  /** Sends a KVSET to the collector (dropped if the server is gone: the client resends). */
  send(frames: Buffer[]): void {
    void this.#pub.send(frames).catch(() => {})
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#dealer.close()
    this.#sub.close()
    this.#pub.close()
  }

  async #read(socket: AsyncIterable<Buffer[]>, handle: (frames: Buffer[]) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        if (this.#closed) return
        this.#handlers.onHeard()
        handle(frames)
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }
}
