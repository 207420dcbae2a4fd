import { ZmqError } from "@omq/transport"
import { FairQueue } from "../fair-queue.js"
import type { Message } from "../message.js"
import type { Peer as Pipe } from "../peer.js"
import { SocketBase, type SocketConstructorOptions } from "../socket-base.js"
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
export class Server extends SocketBase<[Buffer, ServerRouting], ServerRouting> {
  readonly #fq = new FairQueue()
  readonly #byId = new Map<number, Pipe>()
  /** Kept after a pipe goes, so its messages still waiting keep their routing id. */
  readonly #idOf = new WeakMap<Pipe, number>()
  #nextId = (Math.random() * 0x1_0000_0000) >>> 0

  constructor(options?: SocketConstructorOptions, type: "SERVER" | "PEER" = "SERVER") {
    super(type, options)
  }

  protected override framesToSend(message: Message, options?: ServerRouting): Uint8Array[] {
    const body = singleFrame(this.type, message)
    const id = options?.routingId
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 0xffff_ffff) {
      throw new ZmqError("EINVAL", `${this.type} send() needs { routingId }, a uint32`)
    }
    const idFrame = new Uint8Array(4)
    new DataView(idFrame.buffer).setUint32(0, id)
    return [idFrame, body]
  }

  protected xsend(frames: Uint8Array[]): boolean {
    const idFrame = frames[0]!
    const id = new DataView(idFrame.buffer, idFrame.byteOffset, 4).getUint32(0)
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
    return true
  }

  protected xdetach(pipe: Pipe): void {
    const id = this.#idOf.get(pipe)
    if (id !== undefined && this.#byId.get(id) === pipe) this.#byId.delete(id)
  }

  protected xmessage(pipe: Pipe, frames: Buffer[]): void {
    if (frames.length === 1) this.enqueue(this.#fq, pipe, frames)
    else this.consumed(pipe)
  }
}
