import { ZmqError } from "@omq/transport/zmtp"
import type { Receiving, RoutedMessage, Sending } from "../socket/message-calls.js"
import { bytesKey, keyBytes, type MessageLike, utf8 } from "./frames.js"
import type { Pipe } from "./pipe.js"
import { SocketBase } from "./socket-base.js"
import type { SocketConstructorOptions } from "./socket-options.js"

export interface RouterOptions extends SocketConstructorOptions {
  /** Unknown routing ids (or a full peer) reject send() instead of dropping. Default false. */
  mandatory?: boolean
  /** Send an empty message to each peer as its connection is made. Default false. */
  probeRouter?: boolean
}

export interface RouterConnectOptions {
  /** The routing id this socket will use for the peer it connects to. */
  routingId?: string
}

/**
 * ROUTER: every received message is prefixed with its peer's routing id; a sent message is
 * routed by its first frame. A peer's id is the one chosen at connect(), else the Identity it
 * announced, else a generated 5-byte id (0x00 + a 32-bit counter from a random start), as
 * libzmq does. A newcomer whose id is already held is ignored (its messages are dropped), as
 * in libzmq. Pipes join once their handshake is done, when the id is known.
 */
export class Router extends SocketBase implements Receiving<Uint8Array[]>, Sending<MessageLike[]> {
  mandatory: boolean
  probeRouter: boolean
  readonly #byId = new Map<string, Pipe>()
  readonly #idOf = new Map<Pipe, Uint8Array>()
  readonly #chosen = new Map<string, string>()
  #next = (Math.random() * 0x1_0000_0000) >>> 0

  constructor(options: RouterOptions = {}) {
    const { mandatory = false, probeRouter = false, ...rest } = options
    super("ROUTER", rest)
    this.mandatory = mandatory
    this.probeRouter = probeRouter
  }

  /** As SocketBase#connect, optionally naming the peer's routing id. */
  override connect(address: string, options: RouterConnectOptions = {}): void {
    const { routingId } = options
    if (routingId !== undefined) {
      if (typeof routingId !== "string" || routingId.length === 0) {
        throw new ZmqError("EINVAL", "routingId must be a non-empty string", address)
      }
      this.#chosen.set(address, bytesKey(utf8(routingId)))
    }
    super.connect(address)
  }

  protected override get attachesOnConnect(): boolean {
    return false
  }

  protected xsend(frames: Uint8Array[]): boolean {
    if (frames.length < 2) {
      throw new ZmqError("EINVAL", "a ROUTER message needs a routing id frame and a body")
    }
    const pipe = this.#byId.get(bytesKey(frames[0]!))
    if (!pipe) {
      if (this.mandatory) throw new ZmqError("EHOSTUNREACH", "no peer with that routing id")
      return true // dropped, as libzmq does without ROUTER_MANDATORY
    }
    if (pipe.full) {
      if (this.mandatory) throw new ZmqError("EAGAIN", "peer is at its high-water mark")
      return true
    }
    pipe.write(frames.slice(1))
    return true
  }

  /** Always, as libzmq: whether a message can go depends on where it is routed. */
  protected override xhasOut(): boolean {
    return true
  }

  protected override xattach(pipe: Pipe): boolean {
    let id = this.#chosen.get(pipe.endpoint) ?? bytesKey(pipe.peer!.routingId)
    if (id.length === 0) {
      const n = this.#next++ >>> 0
      id = String.fromCharCode(0, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)
    }
    if (this.#byId.has(id)) return true // attached but unnamed: ignored, as in libzmq
    this.#byId.set(id, pipe)
    this.#idOf.set(pipe, keyBytes(id))
    if (this.probeRouter) pipe.write([new Uint8Array(0)])
    return true
  }

  protected override xdetach(pipe: Pipe): void {
    const id = this.#idOf.get(pipe)
    if (!id) return
    this.#idOf.delete(pipe)
    this.#byId.delete(bytesKey(id))
  }

  /** The id is put in front now, so a message outlives its peer's departure, as in libzmq. */
  protected override xmessage(pipe: Pipe, frames: Uint8Array[]): void {
    const id = this.#idOf.get(pipe)
    if (id) this.fq.push(pipe, [id, ...frames])
  }
}

/**
 * ROUTER sends and receives (see socket/socket-capabilities.ts); what it sends starts with the
 * routing id (see RoutedMessage).
 */
export interface Router {
  receive(): Promise<Uint8Array[]>
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array[], void, undefined>
  send<Frames extends MessageLike[] | []>(message: RoutedMessage<Frames>): Promise<void>
  trySend<Frames extends MessageLike[] | []>(message: RoutedMessage<Frames>): boolean
}
