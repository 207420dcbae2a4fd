import { ZmqError } from "@omq/transport"
import { LoadBalancedSocket } from "./load-balanced.js"
import type { Peer } from "./peer.js"
import type { Message, SocketConstructorOptions, WithProperties } from "./socket-base.js"
import type { Readable, Writable } from "./socket-capabilities.js"

export interface RequestOptions extends SocketConstructorOptions {
  /** Send an empty message to each peer as its connection is made. Default false. */
  probeRouter?: boolean
  /** Put a request id before the delimiter and accept only the reply that carries it. */
  correlate?: boolean
  /** Allow a new request before the reply; the pending one is abandoned. Default false. */
  relaxed?: boolean
}

const DELIMITER = new Uint8Array(0)

/**
 * REQ: alternates send and receive. A send puts an empty delimiter (after a request id with
 * `correlate`) before the request and round-robins it over the peers with room; the reply is
 * accepted only from the peer asked and only with that envelope. A send out of turn fails at
 * once with EFSM (zeromq.js would wait for ever), unless `relaxed`.
 */
export class Request extends LoadBalancedSocket implements Readable, Writable {
  correlate: boolean
  relaxed: boolean
  /** The peer whose reply is awaited; null when the next call must be a send. */
  #asked: Peer | null = null
  /** The id of the current request (with `correlate`); starts at a random value, as libzmq's. */
  #requestId = (Math.random() * 0x1_0000_0000) >>> 0

  constructor(options: RequestOptions = {}) {
    const { probeRouter = false, correlate = false, relaxed = false, ...rest } = options
    super("REQ", rest)
    this.probe = probeRouter
    this.correlate = correlate
    this.relaxed = relaxed
  }

  get probeRouter(): boolean {
    return this.probe
  }
  set probeRouter(value: boolean) {
    this.probe = value
  }

  protected override xsend(frames: Uint8Array[]): boolean {
    const request: Uint8Array[] = this.correlate ? [this.#idFrame(), DELIMITER] : [DELIMITER]
    for (const frame of frames) request.push(frame)
    this.#asked = this.sendToNext(request)
    return this.#asked !== null
  }

  protected override xrecv(): Buffer[] | null {
    if (!this.#asked) return null
    const skip = this.correlate ? 2 : 1
    for (let next = this.takeFrom(this.fq); next; next = this.takeFrom(this.fq)) {
      const [peer, frames] = next
      // Replies from anyone else, or without the right envelope, are dropped (libzmq's req_t).
      if (peer !== this.#asked || frames.length <= skip || frames[skip - 1]!.length !== 0) continue
      if (this.correlate && !frames[0]!.equals(this.#idFrame())) continue
      this.#asked = null
      return frames.slice(skip)
    }
    return null
  }

  protected override xhasIn(): boolean {
    return this.#asked !== null && super.xhasIn()
  }

  protected override xhasOut(): boolean {
    return this.#asked === null && super.xhasOut()
  }

  /** One request at a time: a send while one is pending or a reply is owed fails with EFSM. */
  override send(message: Message): Promise<void> {
    const refused = this.#outOfTurn()
    if (refused) return Promise.reject(refused)
    this.#requestId = (this.#requestId + 1) >>> 0
    return super.send(message)
  }

  /** As send(), without waiting (see SocketBase.trySend); EFSM is thrown. */
  override trySend(message: Message): boolean {
    const refused = this.#outOfTurn()
    if (refused) throw refused
    this.#requestId = (this.#requestId + 1) >>> 0
    return super.trySend(message)
  }

  /**
   * Null when a request may go now. Relaxed: the old request is abandoned instead (its reply
   * will be dropped). A request waiting in send() counts as pending.
   */
  #outOfTurn(): ZmqError | null {
    if (!this.#asked && this.sendsWaiting === 0) return null
    if (!this.relaxed)
      return new ZmqError("EFSM", "REQ must receive the reply before sending again")
    this.#asked = null
    return null
  }

  override receive(): Promise<Buffer[]> {
    if (!this.#asked && this.sendsWaiting === 0) {
      return Promise.reject(new ZmqError("EFSM", "REQ must send a request before receiving"))
    }
    return super.receive()
  }

  #idFrame(): Buffer {
    const id = Buffer.alloc(4)
    id.writeUInt32BE(this.#requestId)
    return id
  }
}

/** REQ sends and receives: send(), trySend() and receive() are above (see socket-capabilities.ts). */
export interface Request {
  receiveWithProperties(): Promise<WithProperties>
  [Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined>
}
