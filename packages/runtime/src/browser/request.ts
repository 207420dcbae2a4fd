import { ZmqError } from "@omq/transport/zmtp"
import type { Receiving, Sending } from "../socket/message-calls.js"
import type { Message } from "./frames.js"
import { LoadBalancedSocket } from "./load-balanced.js"
import type { Pipe } from "./pipe.js"
import type { SocketConstructorOptions } from "./socket-options.js"

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
 * accepted only from the peer asked and only with that envelope. A call out of turn fails at
 * once with EFSM, unless `relaxed`.
 */
export class Request
  extends LoadBalancedSocket
  implements Receiving<Uint8Array[]>, Sending<Message>
{
  correlate: boolean
  relaxed: boolean
  /** The pipe whose reply is awaited; null when the next call must be a send. */
  #asked: Pipe | null = null
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
    const envelope = this.correlate ? [this.#idFrame(), DELIMITER] : [DELIMITER]
    this.#asked = this.sendToNext([...envelope, ...frames])
    return this.#asked !== null
  }

  protected override xrecv(): Uint8Array[] | null {
    if (!this.#asked) return null
    const skip = this.correlate ? 2 : 1
    for (let next = this.fq.pop(); next; next = this.fq.pop()) {
      const [pipe, frames] = next
      // Replies from anyone else, or without the right envelope, are dropped (libzmq's req_t).
      if (pipe !== this.#asked || frames.length <= skip || frames[skip - 1]!.byteLength !== 0) {
        continue
      }
      if (this.correlate && !sameBytes(frames[0]!, this.#idFrame())) continue
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

  override trySend(message: Message): boolean {
    const refused = this.#outOfTurn()
    if (refused) throw refused
    this.#requestId = (this.#requestId + 1) >>> 0
    return super.trySend(message)
  }

  override receive(): Promise<Uint8Array[]> {
    if (!this.#asked && this.sendsWaiting === 0) {
      return Promise.reject(new ZmqError("EFSM", "REQ must send a request before receiving"))
    }
    return super.receive()
  }

  /** Null when a request may go now. Relaxed: the old request is abandoned instead. */
  #outOfTurn(): ZmqError | null {
    if (!this.#asked && this.sendsWaiting === 0) return null
    if (!this.relaxed) return new ZmqError("EFSM", "REQ must receive the reply before sending")
    this.#asked = null
    return null
  }

  #idFrame(): Uint8Array {
    const id = new Uint8Array(4)
    new DataView(id.buffer).setUint32(0, this.#requestId)
    return id
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}

/** REQ sends and receives: send(), trySend() and receive() are above. */
export interface Request {
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array[], void, undefined>
}
