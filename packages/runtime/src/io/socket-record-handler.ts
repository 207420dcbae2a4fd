import type { SocketType } from "@omq/transport"
import type { ControlFrames, InboxHandler, RecordSink } from "../ring/record-link.js"
import { lengthAt, RECORD_HEADER, RecordKind, readFrames, SUBSCRIBE } from "../ring/records.js"
import { type ConnectionOptions, decodeOptions } from "./host-protocol.js"
import type { OwedMemory } from "./host-side.js"
import type { HostZap } from "./host-zap.js"
import type { HostedPeer } from "./hosted-peer.js"
import { OutgoingStream } from "./outgoing-stream.js"
import type { PooledCopies } from "./pooled-copies.js"
import { writeSubscription } from "./subscription-wire.js"
import type { WrittenPeers } from "./written-peers.js"

const decoder = new TextDecoder()

/**
 * What the handler works with, taken once at construction: the socket's pipes and the host's
 * ends of its link, and the socket's commands that reach beyond its pipes.
 */
export interface RecordHandlerHost {
  type: SocketType
  /** The socket's pipes by id (see HostedPeers). */
  peers: ReadonlyMap<number, HostedPeer>
  written: WrittenPeers
  toSocket: RecordSink
  /** In-thread only: how the socket's messages are taken (see onFrames). */
  copies: PooledCopies | null
  owed: OwedMemory
  /** Returns a frame's memory to the socket's pool (and its send budget), if it is owed. */
  giveBack: (buffer: ArrayBufferLike) => void
  zap: HostZap
  /** Close record: the socket closed, after every message it sent (see HostedSocket). */
  close(linger: number): void
  connect(endpoint: string, options: ConnectionOptions, pipeId: number): void
  disconnect(endpoint: string): void
}

/**
 * The host's handler of the records from its socket (see record-link.ts): messages into their
 * pipes' connections (or their queues, before a handshake), large messages frame by frame, send
 * credit back for what the kernel took once per drain, and the socket's control records.
 *
 * Runs on the host's thread, inside the drain of the socket-to-host ring (or, in-thread, inside
 * the socket's send()). It touches only the socket's host-side objects; the socket hears back
 * through `toSocket` alone.
 */
export class SocketRecordHandler implements InboxHandler {
  readonly #peers: ReadonlyMap<number, HostedPeer>
  /** Pipes written to during the current drain; flushed once at its end. */
  readonly #written: WrittenPeers
  readonly #copies: PooledCopies | null
  readonly #owed: OwedMemory
  readonly #giveBack: (buffer: ArrayBufferLike) => void
  readonly #host: RecordHandlerHost
  /** The large message now arriving from the socket, frame by frame. */
  readonly #stream: OutgoingStream

  constructor(host: RecordHandlerHost) {
    this.#peers = host.peers
    this.#written = host.written
    this.#copies = host.copies
    this.#owed = host.owed
    this.#giveBack = host.giveBack
    this.#host = host
    this.#stream = new OutgoingStream({
      peer: (id) => this.#peers.get(id),
      touched: (peer) => this.#written.add(peer),
      giveBack: host.giveBack,
    })
  }

  onMessage(peerId: number, bytes: Uint8Array, view: DataView, at: number): void {
    const peer = this.#peers.get(peerId)
    if (!peer) return // the peer went away; libzmq drops its queued messages the same way
    const engine = peer.engine
    if (!engine || !peer.writable) {
      peer.hold(readFrames(bytes, view, at), this.#giveBack)
      return
    }
    const count = view.getUint32(at + 12, true)
    let p = at + RECORD_HEADER
    for (let i = 0; i < count; i++) {
      p = lengthAt(p)
      const len = view.getUint32(p, true)
      engine.writeFrame(bytes.subarray(p + 4, p + 4 + len), i < count - 1, false)
      p += 4 + len
    }
    peer.written++
    this.#written.add(peer)
  }

  /** A whole message from a socket on this thread, inside its send() (see PooledCopies). */
  onFrames(peerId: number, frames: Uint8Array[]): void {
    const peer = this.#peers.get(peerId)
    if (!peer) return
    const engine = peer.engine
    if (!engine || !peer.writable) {
      peer.hold(this.#copies!.keep(frames), this.#giveBack)
      return
    }
    this.#copies!.write(engine, frames, this.#giveBack)
    peer.written++
    this.#written.add(peer)
  }

  onFrameStart(peerId: number, size: number, more: boolean): void {
    this.#stream.frameStart(peerId, size, more)
  }

  onChunk(_peerId: number, bytes: Uint8Array, owned: boolean): void {
    if (owned) this.#owed.owe(bytes.buffer)
    this.#stream.chunk(bytes, owned)
  }

  onControl(
    kind: RecordKind,
    flags: number,
    peerId: number,
    count: number,
    frames: ControlFrames,
  ): void {
    if (kind === RecordKind.Close) {
      this.#host.close(count | 0)
      return
    }
    if (kind === RecordKind.ZapReply) {
      this.#host.zap.answered(peerId, count, frames)
      return
    }
    if (kind === RecordKind.Connect || kind === RecordKind.Disconnect) {
      const [endpoint, options] = frames.read()
      const text = decoder.decode(endpoint)
      if (kind === RecordKind.Connect) this.#host.connect(text, decodeOptions(options!), peerId)
      else this.#host.disconnect(text)
      return
    }
    const peer = this.#peers.get(peerId)
    if (!peer) return
    if (kind === RecordKind.Credit) {
      const held = peer.credited(count)
      if (held) this.#host.toSocket.pushMessage(peer.id, held)
    } else if (kind === RecordKind.ClosePeer) {
      peer.engine?.destroy()
    } else if (kind === RecordKind.Command) {
      this.#sendSubscription(peer, frames.read()[0]!, flags)
    }
  }

  /**
   * A SUB/XSUB (un)subscription for one peer: a SUBSCRIBE/CANCEL command toward ZMTP 3.1 peers,
   * a data frame 0x01|topic or 0x00|topic toward 3.0 peers. A peer not connected gets it at its
   * next handshake instead (the socket re-sends its subscriptions then).
   */
  #sendSubscription(peer: HostedPeer, topic: Uint8Array, flags: number): void {
    if (!peer.engine?.ready) return
    writeSubscription(peer.engine, topic, (flags & SUBSCRIBE) !== 0, this.#host.type === "DISH")
    this.#written.add(peer)
  }

  onDrained(): void {
    this.#written.flush()
  }
}
