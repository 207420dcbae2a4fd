import { checkUdpSocketType, ZmqError } from "@omq/transport"
import { FairQueue } from "../fair-queue.js"
import type { Peer as Pipe } from "../peer.js"
import { SocketBase, type SocketConstructorOptions, type WithProperties } from "../socket-base.js"
import type { Readable } from "../socket-capabilities.js"
import { groupBytes, groupKey } from "./groups.js"

/** The group a DISH message was sent to. */
export interface DishGroup {
  group: Buffer
}

/**
 * DISH (draft): receives RADIO messages of the groups it joined, as `[message, { group }]`.
 * join() and leave() go to every RADIO at once, and every (re)connected RADIO gets all the
 * joins again. What arrives is filtered again here, as libzmq does. It never sends.
 *
 * Over udp a DISH binds (`udp://*:port`, `udp://ip:port`, or a multicast group it then joins on
 * the kernel's side, `udp://iface;group:port`), and a RADIO sends it everything: joins stay
 * here, and this filter is the only one. A datagram that does not parse is dropped.
 *
 * Lives on the thread that made it.
 */
export class Dish
  extends SocketBase<[Buffer, DishGroup], never>
  implements Readable<[Buffer, DishGroup]>
{
  readonly #fq = new FairQueue()
  /** Joined groups by key, with their bytes. */
  readonly #groups = new Map<string, Uint8Array>()

  constructor(options?: SocketConstructorOptions) {
    super("DISH", options)
  }

  /**
   * Joins groups (strings or bytes, at most 255 bytes each). EINVAL for a group already joined
   * or too long, as libzmq; the groups before it in the call are joined.
   */
  join(...groups: Array<string | Uint8Array>): void {
    this.#checkUsable()
    for (const group of groups) {
      const bytes = groupBytes(group)
      const key = groupKey(bytes)
      if (this.#groups.has(key)) throw new ZmqError("EINVAL", `group "${key}" already joined`)
      this.#groups.set(key, bytes)
      for (const pipe of this.readyPeers()) this.sendSubscription(pipe, bytes, true)
    }
  }

  /** Leaves groups; EINVAL for one not joined. */
  leave(...groups: Array<string | Uint8Array>): void {
    this.#checkUsable()
    for (const group of groups) {
      const bytes = groupBytes(group)
      const key = groupKey(bytes)
      if (!this.#groups.delete(key)) throw new ZmqError("EINVAL", `group "${key}" not joined`)
      for (const pipe of this.readyPeers()) this.sendSubscription(pipe, bytes, false)
    }
  }

  /** A dish connects to no udp endpoint (libzmq: ENOCOMPATPROTO); it binds one. */
  override connect(address: string): void {
    if (address.startsWith("udp://")) checkUdpSocketType("DISH", false, address)
    super.connect(address)
  }

  #checkUsable(): void {
    if (this.closed) throw new ZmqError("EBADF", "socket is closed")
  }

  protected override framesToSend(): Uint8Array[] {
    throw new ZmqError("ENOTSUP", "DISH sockets cannot send")
  }

  protected xsend(): boolean {
    throw new ZmqError("ENOTSUP", "DISH sockets cannot send")
  }

  protected xrecv(): Buffer[] | null {
    return this.takeFrom(this.#fq)?.[1] ?? null
  }

  protected override receivedMessage(frames: Buffer[]): [Buffer, DishGroup] {
    return groupedMessage(frames)
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasMessages
  }

  protected xattach(): boolean {
    return true
  }

  /** A (re)connected RADIO gets every join. */
  protected override xready(pipe: Pipe): void {
    for (const bytes of this.#groups.values()) this.sendSubscription(pipe, bytes, true)
  }

  protected xdetach(): void {}

  /** Group then body; anything else, or a group not joined, is dropped. */
  protected xmessage(pipe: Pipe, frames: Buffer[]): void {
    if (frames.length === 2 && this.#groups.has(groupKey(frames[0]!))) {
      this.enqueue(this.#fq, pipe, frames)
    } else {
      this.consumed(pipe)
    }
  }
}

/** DISH receives (see socket-capabilities.ts). */
export interface Dish {
  receive(): Promise<[Buffer, DishGroup]>
  receiveWithProperties(): Promise<WithProperties<[Buffer, DishGroup]>>
  [Symbol.asyncIterator](): AsyncGenerator<[Buffer, DishGroup], void, undefined>
}

/** What a DISH's receive() gives, from [group, body]. */
export function groupedMessage(frames: Buffer[]): [Buffer, DishGroup] {
  return [frames[1]!, { group: frames[0]! }]
}
