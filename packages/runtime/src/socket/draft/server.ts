import { ZmqError } from "@omq/transport"
import { FairQueue } from "../fair-queue.js"
import type { Message, MessageLike } from "../message.js"
import type { Peer as Pipe } from "../peer.js"
import { SocketBase, type SocketConstructorOptions, type WithProperties } from "../socket-base.js"
import type { Readable, Writable } from "../socket-capabilities.js"
import { singleFrame } from "./single-frame.js"

/** Where a SERVER's message goes, or which peer it came from. */
export interface ServerRouting {
  /** The peer's routing id: a uint32 this socket chose, never sent on the wire. */
  routingId: number
}

/**
 * SERVER (draft): talks to CLIENTs, single-frame messages only. Each connection gets a uint32
 * routing id from a counter that starts at a random value and skips 0 (as libzmq); the peer
 * never sees it and cannot choose it. `receive()` gives `[message, { routingId }]`, and
 * `send(message, { routingId })` answers: an unknown id gives EHOSTUNREACH, a peer at its
 * high-water mark makes send() wait. A multipart message arriving is dropped whole.
 *
 * Lives on the thread that made it.
 */
export class Server
  extends SocketBase<[Buffer, ServerRouting], ServerRouting>
  implements Readable<[Buffer, ServerRouting]>, Writable<MessageLike, [options: ServerRouting]>
{
  readonly #fq = new FairQueue()
  readonly #byId = new Map<number, Pipe>()
  /** Kept after a pipe goes, so its messages still waiting keep their routing id. */
  readonly #idOf = new WeakMap<Pipe, number>()
  #nextId = (Math.random() * 0x1_0000_0000) >>> 0

  constructor(options?: SocketConstructorOptions, type: "SERVER" | "PEER" = "SERVER") {
    super(type, options)
  }

  protected override framesToSend(message: Message, options?: ServerRouting): Uint8Array[] {
    return routedFrames(this.type, message, options)
  }

  protected xsend(frames: Uint8Array[]): boolean {
    const id = idOf(frames[0]!)
    const pipe = this.#byId.get(id)
    if (!pipe) throw new ZmqError("EHOSTUNREACH", `no peer with routing id ${id}`)
    if (pipe.full) return false
    this.write(pipe, frames.slice(1))
    return true
  }

  protected xrecv(): Buffer[] | null {
    return this.takeFrom(this.#fq)?.[1] ?? null
  }

  protected override receivedMessage(frames: Buffer[]): [Buffer, ServerRouting] {
    return [frames[0]!, { routingId: this.#idOf.get(this.lastPeer!)! }]
  }

  /** A message given back by another thread is in that form. */
  protected override importReturned(frames: Buffer[]): [Buffer, ServerRouting] {
    return routedMessage(frames)
  }

  /** Another thread gets the routing id in front, as routedMessage() reads it. */
  protected override exportReceived(frames: Buffer[]): Buffer[] {
    return [idFrame(this.#idOf.get(this.lastPeer!)!), frames[0]!]
  }

  /** The routing id of a pipe (assigned when it attached). */
  protected routingIdOf(pipe: Pipe): number | undefined {
    return this.#idOf.get(pipe)
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasMessages
  }

  /** Always, as libzmq: whether a message can go depends on where it is routed. */
  protected override xhasOut(): boolean {
    return true
  }

  protected xattach(pipe: Pipe): boolean {
    let id = this.#nextId++ >>> 0
    if (id === 0) id = this.#nextId++ >>> 0
    this.#nextId >>>= 0
    this.#byId.set(id, pipe)
    this.#idOf.set(pipe, id)
    this.routingIdChanged(id, true)
    return true
  }

  protected override liveRoutingIds(): Iterable<number> {
    return this.#byId.keys()
  }

  protected xdetach(pipe: Pipe): void {
    const id = this.#idOf.get(pipe)
    if (id !== undefined && this.#byId.get(id) === pipe) {
      this.#byId.delete(id)
      this.routingIdChanged(id, false)
    }
  }

  protected xmessage(pipe: Pipe, frames: Buffer[]): void {
    if (frames.length === 1) this.enqueue(this.#fq, pipe, frames)
    else this.consumed(pipe)
  }
}

/**
 * A SERVER/PEER send()'s frames: the routing id (4 bytes) in front of the one body frame. Also
 * how another thread's send() reaches the socket (see shared/).
 */
export function routedFrames(
  type: string,
  message: Message,
  options: ServerRouting | undefined,
): Uint8Array[] {
  const body = singleFrame(type, message)
  const id = options?.routingId
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 0xffff_ffff) {
    throw new ZmqError("EINVAL", `${type} send() needs { routingId }, a uint32`)
  }
  return [idFrame(id), body]
}

/** What receive() gives on another thread, from [routing id, body] (see exportReceived). */
export function routedMessage(frames: Buffer[]): [Buffer, ServerRouting] {
  return [frames[1]!, { routingId: idOf(frames[0]!) }]
}

function idFrame(id: number): Buffer {
  const frame = Buffer.allocUnsafe(4)
  frame.writeUInt32BE(id)
  return frame
}

function idOf(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0)
}

/**
 * SERVER (and PEER) sends and receives single-frame messages; a send names its peer (see
 * socket-capabilities.ts).
 */
export interface Server {
  receive(): Promise<[Buffer, ServerRouting]>
  receiveWithProperties(): Promise<WithProperties<[Buffer, ServerRouting]>>
  [Symbol.asyncIterator](): AsyncGenerator<[Buffer, ServerRouting], void, undefined>
  send(message: MessageLike, options: ServerRouting): Promise<void>
  trySend(message: MessageLike, options: ServerRouting): boolean
}
