import type { PeerInfo } from "@omq/transport"
import type { RecordSink } from "../ring/record-link.js"
import { PEER_CONNECTED, RecordKind } from "../ring/records.js"
import { type ConnectionOptions, encodePeerUp } from "./host-protocol.js"
import { HostedPeer } from "./hosted-peer.js"
import { peerProperties } from "./peer-properties.js"
import type { WrittenPeers } from "./written-peers.js"

/**
 * The pipes of one HostedSocket by id, and the records that tell the socket of them: PeerUp
 * once a pipe's handshake completes, PeerDown when the pipe goes. A connect() pipe has the id
 * the socket gave it; every other pipe is numbered here.
 *
 * Owned by the host's thread; the other parts of its HostedSocket add and remove pipes only
 * through it.
 */
export class HostedPeers {
  /** By id. The message path reads it directly (see SocketRecordHandler). */
  readonly byId: ReadonlyMap<number, HostedPeer>
  readonly #byId = new Map<number, HostedPeer>()
  #nextId = 1
  readonly #toSocket: RecordSink
  readonly #written: WrittenPeers
  readonly #giveBack: (buffer: ArrayBufferLike) => void

  /** @param giveBack returns the lent memory of a dropped pipe's queued messages. */
  constructor(
    toSocket: RecordSink,
    written: WrittenPeers,
    giveBack: (buffer: ArrayBufferLike) => void,
  ) {
    this.byId = this.#byId
    this.#toSocket = toSocket
    this.#written = written
    this.#giveBack = giveBack
  }

  /** Registers a pipe: `id` is the socket's own pipe id (a connect's), or 0 to number it here. */
  add(id: number, endpoint: string, options: ConnectionOptions, connected: boolean): HostedPeer {
    const peer = new HostedPeer(id || this.#nextId++, endpoint, options.conflate, connected)
    this.#byId.set(peer.id, peer)
    return peer
  }

  /** The pipe is still registered (not dropped since `peer` was handed out). */
  has(peer: HostedPeer): boolean {
    return this.#byId.get(peer.id) === peer
  }

  /** Tells the socket that a pipe's handshake completed, with the limits it was made with. */
  announce(peer: HostedPeer, info: PeerInfo, sendLimit: number, address: string | undefined): void {
    const frames = encodePeerUp({
      type: info.socketType,
      routingId: info.routingId ?? new Uint8Array(0),
      endpoint: peer.endpoint,
      receiveLimit: peer.receiveLimit,
      sendLimit,
      properties: peerProperties(info, address),
    })
    const flags = peer.connected ? PEER_CONNECTED : 0
    this.#toSocket.push(RecordKind.PeerUp, peer.id, frames.length, frames, flags)
  }

  /**
   * Forgets a pipe and tells the socket (PeerDown): its queued messages are dropped (their lent
   * memory given back) and its connection destroyed. Nothing if it went already.
   */
  remove(peer: HostedPeer): void {
    if (!this.#byId.delete(peer.id)) return
    for (const frames of peer.queue) for (const f of frames) this.#giveBack(f.buffer)
    this.#written.delete(peer)
    peer.engine?.destroy()
    this.#toSocket.push(RecordKind.PeerDown, peer.id, 0)
  }

  /** The socket closed: its pipes go without a word (the socket is done with them). */
  clear(): void {
    this.#byId.clear()
  }
}
