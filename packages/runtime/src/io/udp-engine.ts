import type { RemoteInfo, Socket as UdpSocket } from "node:dgram"
import {
  decodeRadioDatagram,
  type Engine,
  encodeRadioDatagram,
  formatDgramAddress,
  MAX_UDP_DATAGRAM,
  MAX_UDP_GROUP,
  parseDgramAddress,
  radioDatagramSize,
} from "@omq/transport"
import { copyFrame } from "../util/copy-frame.js"

/**
 * What the pipe's datagrams mean: a RADIO sends `[group, body]` as one datagram each, a DISH
 * receives them, a DGRAM does both with `[address, body]`.
 */
export type UdpRole = "radio" | "dish" | "dgram"

/** What a UdpEngine tells whoever runs its pipe (see UdpPipes), on the host's thread. */
export interface UdpEngineHandler {
  /** A message arrived: `[group, body]` (DISH) or `[address, body]` (DGRAM). */
  message(frames: Buffer[]): void
  /** The datagrams queued for a full kernel buffer have gone: send credit may go back. */
  drain(): void
  /** The socket closed: destroyed, or by an error. */
  closed(): void
}

/**
 * Datagrams queued in Node (the kernel's buffer was full) beyond which flush() says "wait", so
 * that credit stops going back and a fast sender meets its high-water mark instead of growing
 * Node's queue without bound.
 */
const QUEUED_LIMIT = 64

/** Where a RADIO's datagrams go: the socket is connected to it, so no address per send. */
const CONNECTED = null

/**
 * One udp pipe over one `node:dgram` socket, shaped as an Engine so that the host writes to it
 * as to any connection (whole messages, large frames piece by piece, credit on flush).
 * Each message becomes one datagram (see udp-datagram.ts); anything that cannot go as one is
 * dropped here (the sockets refuse such messages with EINVAL or EMSGSIZE before they get here).
 * There is no handshake: the engine is ready from the start.
 *
 * Owned by the host's thread (an IO worker, or the socket's own with `ioThreads: 0`).
 */
export class UdpEngine implements Engine {
  readonly peerMinor = 1
  readonly #socket: UdpSocket
  readonly #role: UdpRole
  readonly #handler: UdpEngineHandler
  /** Received bodies longer than this are dropped (the socket's maxMessageSize; -1: none). */
  readonly #maxBody: number
  /** Frames of the message being written before its last (copies: the caller reuses its memory). */
  #head: Uint8Array[] = []
  /**
   * A frame arriving in pieces (writeFrameHeader, then its bytes), gathered in `bytes` unless it
   * is too large for a datagram; null when none is.
   */
  #piece: { bytes: Uint8Array | null; size: number; filled: number; more: boolean } | null = null
  /** A frame of the message being written was too large for a datagram: drop the message. */
  #oversized = false
  /** A send waits for Node's queue to drain (see QUEUED_LIMIT). */
  #waiting = false
  #paused = false
  #closed = false

  constructor(socket: UdpSocket, role: UdpRole, maxBody: number, handler: UdpEngineHandler) {
    this.#socket = socket
    this.#role = role
    this.#maxBody = maxBody
    this.#handler = handler
    // Errors of a udp socket are lost datagrams (ICMP port unreachable on a connected socket,
    // a send refused): udp promises nothing, so they are dropped like the datagram.
    socket.on("error", () => {})
    socket.on("close", () => {
      this.#closed = true
      handler.closed()
    })
    if (role !== "radio") socket.on("message", (datagram, from) => this.#received(datagram, from))
  }

  get ready(): boolean {
    return !this.#closed
  }

  // ---- output: the socket's messages, one datagram each ------------------------------------

  writeFrame(body: Uint8Array, more: boolean): void {
    this.#frame(body, more, false)
  }

  writeFrameHeader(size: number, more: boolean): void {
    const bytes = size <= MAX_UDP_DATAGRAM ? Buffer.allocUnsafe(size) : null
    this.#piece = { bytes, size, filled: 0, more }
    if (size === 0) this.#pieceDone()
  }

  writeBytes(bytes: Uint8Array): void {
    const piece = this.#piece
    if (!piece) return
    piece.bytes?.set(bytes, piece.filled)
    piece.filled += bytes.byteLength
    if (piece.filled >= piece.size) this.#pieceDone()
  }

  /** Copied like writeBytes, so the memory goes back at once. */
  writeOwned(bytes: Uint8Array, written?: () => void): void {
    this.writeBytes(bytes)
    written?.()
  }

  /** No commands over udp: a DISH's JOIN and LEAVE never go on the wire. */
  writeEncoded(): void {}

  zapAnswer(): void {}

  /** Sends go out as each message completes; false while Node queues too many. */
  flush(): boolean {
    return !this.#waiting
  }

  /** At the receive high-water mark: datagrams are dropped until resume(), as libzmq drops. */
  pause(): void {
    this.#paused = true
  }

  resume(): void {
    this.#paused = false
  }

  /** Closes once Node's queue of datagrams is empty (the caller bounds the wait by linger). */
  async end(): Promise<void> {
    while (!this.#closed && this.#socket.getSendQueueCount() > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    this.destroy()
  }

  destroy(): void {
    if (this.#closed) return
    this.#closed = true
    this.#socket.close()
  }

  /** The last bytes of a frame written in pieces are in. */
  #pieceDone(): void {
    const piece = this.#piece!
    this.#piece = null
    if (piece.bytes === null) this.#oversized = true
    this.#frame(piece.bytes ?? new Uint8Array(0), piece.more, true)
  }

  /** One whole frame; `own` when the engine made the bytes (no copy needed to keep them). */
  #frame(body: Uint8Array, more: boolean, own: boolean): void {
    if (more) {
      // Only [group, body] and [address, body] make a datagram: more frames are dropped anyway.
      if (this.#head.length < 2) this.#head.push(own ? body : copyFrame(body))
      return
    }
    const head = this.#head
    const oversized = this.#oversized
    this.#head = []
    this.#oversized = false
    if (oversized || head.length !== 1 || this.#closed) return
    if (this.#role === "radio") this.#sendRadio(head[0]!, body)
    else if (this.#role === "dgram") this.#sendDgram(head[0]!, body, own)
  }

  #sendRadio(group: Uint8Array, body: Uint8Array): void {
    const size = radioDatagramSize(group.byteLength, body.byteLength)
    if (group.byteLength > MAX_UDP_GROUP || size > MAX_UDP_DATAGRAM) return
    this.#send(encodeRadioDatagram(group, body, Buffer.allocUnsafe(size)), CONNECTED)
  }

  /** A DGRAM message whose address is not numeric IPv4 is dropped silently, as libzmq does. */
  #sendDgram(address: Uint8Array, body: Uint8Array, own: boolean): void {
    const to = parseDgramAddress(address)
    if (!to || body.byteLength > MAX_UDP_DATAGRAM) return
    this.#send(own ? body : copyFrame(body), to)
  }

  #send(datagram: Uint8Array, to: { host: string; port: number } | null): void {
    const socket = this.#socket
    // Node sends at once when the kernel has room; only what it had to queue counts here. The
    // first datagram queued beyond the limit carries a callback: when it has gone, so has
    // everything before it.
    const wait = !this.#waiting && socket.getSendQueueCount() >= QUEUED_LIMIT
    if (wait) this.#waiting = true
    const callback = wait ? this.#drained : undefined
    if (to === CONNECTED) socket.send(datagram, callback)
    else socket.send(datagram, to.port, to.host, callback)
  }

  readonly #drained = (): void => {
    this.#waiting = false
    if (!this.#closed) this.#handler.drain()
  }

  // ---- input: datagrams to messages ----------------------------------------------------------

  /** Node hands each datagram over in its own Buffer: the frames are views of it, not copies. */
  #received(datagram: Buffer, from: RemoteInfo): void {
    if (this.#paused || this.#closed) return
    if (this.#role === "dish") {
      const message = decodeRadioDatagram(datagram)
      if (!message || this.#tooLong(message.body)) return // malformed: dropped silently
      // Views of a Buffer are Buffers.
      this.#handler.message([message.group as Buffer, message.body as Buffer])
    } else if (datagram.byteLength <= MAX_UDP_DATAGRAM && !this.#tooLong(datagram)) {
      // DGRAM: [address, body]. Only IPv4 sockets are opened, so the address is numeric IPv4.
      const address = Buffer.from(formatDgramAddress(from.address, from.port), "latin1")
      this.#handler.message([address, datagram])
    }
  }

  #tooLong(body: Uint8Array): boolean {
    return this.#maxBody >= 0 && body.byteLength > this.#maxBody
  }
}
