import { incompatibleProtocol, MAX_UDP_DATAGRAM, ZmqError } from "@omq/transport"
import type { BindOptions } from "../endpoint-socket.js"
import { FairQueue } from "../fair-queue.js"
import { type Message, type MessageLike, toFrames } from "../message.js"
import type { Peer as Pipe } from "../peer.js"
import { SocketBase, type SocketConstructorOptions, type WithProperties } from "../socket-base.js"
import type { Readable, Writable } from "../socket-capabilities.js"

/**
 * DGRAM (draft): raw udp datagrams, libzmq's ZMQ_DGRAM. It binds one udp endpoint
 * (`udp://ip:port`, `udp://*:port`, or a multicast group to join) and never connects: each
 * message names its peer. Messages are two frames both ways, `[address, body]`:
 *
 * - received: the address is the sender's `a.b.c.d:port`, without the NUL byte libzmq ends
 *   that frame with (a JavaScript string has no use for it);
 * - sent: the address is numeric IPv4 `a.b.c.d:port`, with or without that NUL (libzmq's frame
 *   sent back as it came works too); any other address drops the message silently, as libzmq.
 *
 * A message of other than two frames is EINVAL; a body over 8,192 bytes, libzmq's largest
 * datagram, is EMSGSIZE. As in libzmq, the socket has one pipe: a second bind's is refused.
 *
 * Lives on the thread that made it.
 */
export class Datagram
  extends SocketBase<Buffer[]>
  implements Readable<DatagramMessage>, Writable<DatagramSend>
{
  readonly #fq = new FairQueue()
  /** The bound socket's pipe, once the host announced it. */
  #pipe: Pipe | null = null

  constructor(options?: SocketConstructorOptions) {
    super("DGRAM", options)
  }

  /** udp only (libzmq: ENOCOMPATPROTO for anything else). */
  override async bind(address: string, options?: BindOptions): Promise<void> {
    if (!address.startsWith("udp://")) {
      throw incompatibleProtocol(`a DGRAM socket binds udp endpoints only, not ${address}`, address)
    }
    return super.bind(address, options)
  }

  /** Always ENOCOMPATPROTO, as libzmq: a DGRAM socket binds, and its messages say where to. */
  override connect(address: string): void {
    throw incompatibleProtocol(`a DGRAM socket cannot connect (to ${address}): it binds`, address)
  }

  protected override framesToSend(message: Message): Uint8Array[] {
    const frames = toFrames(message)
    if (frames.length !== 2) {
      throw new ZmqError("EINVAL", "DGRAM messages are two frames: [address, body]")
    }
    const size = frames[1]!.byteLength
    if (size > MAX_UDP_DATAGRAM) {
      throw new ZmqError("EMSGSIZE", `a datagram of ${size} bytes (at most ${MAX_UDP_DATAGRAM})`)
    }
    return frames
  }

  /** Waits for the pipe (bind() resolves before the host's announcement may have arrived). */
  protected xsend(frames: Uint8Array[]): boolean {
    const pipe = this.#pipe
    if (!pipe || pipe.full) return false
    this.write(pipe, frames)
    return true
  }

  protected xrecv(): Buffer[] | null {
    return this.takeFrom(this.#fq)?.[1] ?? null
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasMessages
  }

  /** The pipe is there and has room (no address is checked: a bad one is dropped, not refused). */
  protected override xhasOut(): boolean {
    return this.#pipe !== null && !this.#pipe.full
  }

  protected xattach(pipe: Pipe): boolean {
    if (this.#pipe) return false
    this.#pipe = pipe
    return true
  }

  protected xdetach(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = null
  }

  protected xmessage(pipe: Pipe, frames: Buffer[]): void {
    if (frames.length === 2) this.enqueue(this.#fq, pipe, frames)
    else this.consumed(pipe)
  }
}

/** What a DGRAM receives: the sender's `a.b.c.d:port`, then the body. */
export type DatagramMessage = [address: Buffer, body: Buffer]
/** What a DGRAM sends: the peer's numeric `a.b.c.d:port`, then the body. */
export type DatagramSend = [address: MessageLike, body: MessageLike]

/** DGRAM sends and receives [address, body] (see socket-capabilities.ts). */
export interface Datagram {
  receive(): Promise<DatagramMessage>
  receiveWithProperties(): Promise<WithProperties<DatagramMessage>>
  [Symbol.asyncIterator](): AsyncGenerator<DatagramMessage, void, undefined>
  send(message: DatagramSend): Promise<void>
  trySend(message: DatagramSend): boolean
}
