import { threadId } from "node:worker_threads"
import { type SocketType, type ZapAnswer, ZmqError } from "@omq/transport"
import type { Context } from "../context.js"
import { type ConnectionOptions, decodePeerUp, encodeOptions } from "../io/host-protocol.js"
import type { IoLink } from "../io/io-link.js"
import { decodeEvent } from "../observer.js"
import { FrameAssembler } from "../ring/frame-assembler.js"
import { InThreadRecords } from "../ring/in-thread-records.js"
import { Inbox } from "../ring/inbox.js"
import { Lane, newLaneName } from "../ring/lane.js"
import { Outbox } from "../ring/outbox.js"
import type { ControlFrames, InboxHandler, RecordSink, RecordSource } from "../ring/record-link.js"
import { PEER_CONNECTED, RecordKind, readFrames, SUBSCRIBE } from "../ring/records.js"
import { newRing } from "../ring/ring-sizes.js"
import type { TransferPool } from "../ring/transfer-pool.js"
import { refused, ZapClient, zapAnswerFrames } from "../security/zap-client.js"
import { Peer } from "./peer.js"
import { creditBatch, type PipeLink, type PipeOwner } from "./pipe.js"

const decoder = new TextDecoder()

/** What the channel needs of its socket beyond the pipe events. */
export interface HostChannelOwner extends PipeOwner {
  peer(id: number): Peer | undefined
  /** Adds a pipe the host made (an accepted or `immediate` connection). */
  addPeer(peer: Peer): void
  /** The transfer budget has room again, or the backlog drained: retry waiting sends. */
  retrySends(): void
  /** What a ZAP request says of this socket: its zapDomain and routing id. */
  zapIdentity(): { domain: string; identity: Uint8Array }
}

/**
 * A socket's side of its IoHost, made at the socket's first tcp or ipc bind or connect. It writes
 * the socket's records (messages, credit, connects, close) and turns the host's records into
 * pipe events. Every pipe it carries is a connection on the host, named by the host's pipe id
 * (or, for a connect() pipe, by the id the socket chose).
 *
 * The records go through two rings and a lane to an IO thread, or, when the host runs on this
 * thread (`ioThreads: 0`), as objects (InThreadRecords: no copies either way).
 *
 * Owned by the socket's thread. The lane keeps that thread alive while the channel is open.
 */
export class HostChannel implements PipeLink, InboxHandler {
  /** The channel's backlog holds back the whole socket instead (see canSend). */
  readonly blocked = false
  readonly #owner: HostChannelOwner
  readonly #io: IoLink
  readonly #lane: Lane | null
  readonly #outbox: RecordSink
  readonly #inbox: RecordSource
  /** Resolves once an IO thread's host has closed the rings, or can no longer (see close). */
  readonly #hostEnded: Promise<void>
  #endHost!: () => void
  /** Weakly: a closing socket's channel must not keep a dropped Context alive (ZAP needs it open). */
  readonly #context: WeakRef<Context>
  #zap: ZapClient | null = null

  /** @param pool the socket's memory for large frames (shared with its inproc pipes). */
  constructor(
    owner: HostChannelOwner,
    context: Context,
    socketId: number,
    type: SocketType,
    pool: TransferPool,
    local: boolean,
  ) {
    this.#owner = owner
    this.#context = new WeakRef(context)
    this.#io = context.core.ioLink(local)
    this.#hostEnded = new Promise((resolve) => {
      this.#endHost = resolve
    })
    const thread = threadId
    if (this.#io.inThread) {
      const toHost = new InThreadRecords(true)
      const toSocket = new InThreadRecords(false)
      toSocket.handleWith(this)
      this.#lane = null
      this.#outbox = toHost
      this.#inbox = toSocket
      void this.#io
        .attach({ socketId, type, thread, inThread: { toHost, toSocket, pool } })
        .catch(() => {})
    } else {
      const toHost = newRing()
      const toSocket = newRing()
      this.#lane = new Lane(newLaneName(), true) // opened at the first large frame (lane.ts)
      this.#lane.unref() // the socket holds its thread while it has work (WaitingSocket), not its lane
      this.#outbox = new Outbox(toHost, this.#lane, true, pool)
      const inbox = new Inbox(toSocket, this.#lane, this, pool, true)
      inbox.onEnded = this.#endHost // the host closes the rings when it is done with the socket
      this.#inbox = inbox
      const attachment = { socketId, type, thread, toHost, toSocket, lane: this.#lane.name }
      void this.#io.attach(attachment).catch(() => {})
    }
    this.#outbox.onBacklogDrained = () => owner.retrySends()
    this.#inbox.start()
  }

  get io(): IoLink {
    return this.#io
  }

  /** Whether a message may go now: nothing waits for room in the ring (see Outbox.canSend). */
  canSend(): boolean {
    return this.#outbox.canSend()
  }

  connect(address: string, pipeId: number, options: ConnectionOptions): void {
    const frames = [Buffer.from(address), encodeOptions(options)]
    this.#outbox.push(RecordKind.Connect, pipeId, frames.length, frames)
  }

  disconnect(address: string): void {
    const frames = [Buffer.from(address)]
    this.#outbox.push(RecordKind.Disconnect, 0, frames.length, frames)
  }

  /** Sends Close (after every message sent before it) and waits for the host to finish. */
  async close(socketId: number, linger: number): Promise<void> {
    this.#outbox.push(RecordKind.Close, 0, linger >>> 0)
    try {
      await this.#io.closed(socketId, this.#hostEnded)
    } catch {
      // The host is gone already (its thread died, or the context was terminated).
    }
    this.#zap?.close()
    this.#inbox.drainNow() // the host's last events (listeners closed) come before "end"
    this.#inbox.close()
    this.#outbox.close()
    this.#lane?.close()
  }

  /** A thread died: if it was the host's, nothing will close the rings (see close). */
  threadDied(thread: number): void {
    if (this.#io.livesOn(thread)) this.#endHost()
  }

  // ---- PipeLink: the socket writes to one of the host's pipes ------------------------------

  message(peer: Peer, frames: readonly Uint8Array[]): void {
    this.#outbox.pushMessage(peer.id, frames)
  }

  credit(peer: Peer, count: number): void {
    this.#outbox.push(RecordKind.Credit, peer.id, count)
  }

  subscription(peer: Peer, topic: Uint8Array, subscribe: boolean): void {
    this.#outbox.push(RecordKind.Command, peer.id, 1, [topic], subscribe ? SUBSCRIBE : 0)
  }

  drop(peer: Peer): void {
    this.#outbox.push(RecordKind.ClosePeer, peer.id, 0)
  }

  // ---- InboxHandler: records from the host -------------------------------------------------

  /** @internal */
  onMessage(peerId: number, bytes: Uint8Array, view: DataView, at: number): void {
    const peer = this.#owner.peer(peerId)
    if (peer) this.#owner.pipeMessage(peer, readFrames(bytes, view, at))
  }

  /** @internal */
  onFrames(peerId: number, frames: Uint8Array[]): void {
    const peer = this.#owner.peer(peerId)
    if (!peer) return
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!
      if (!Buffer.isBuffer(f)) frames[i] = Buffer.from(f.buffer, f.byteOffset, f.byteLength)
    }
    this.#owner.pipeMessage(peer, frames as Buffer[])
  }

  /** @internal */
  onFrameStart(peerId: number, size: number, more: boolean): void {
    const peer = this.#owner.peer(peerId)
    if (!peer) return
    peer.assembly ??= new FrameAssembler()
    const frames = peer.assembly.start(size, more)
    if (frames) this.#owner.pipeMessage(peer, frames)
  }

  /** @internal */
  onChunk(peerId: number, bytes: Uint8Array, owned: boolean): void {
    const peer = this.#owner.peer(peerId)
    const frames = peer?.assembly?.add(bytes, owned)
    if (frames) this.#owner.pipeMessage(peer!, frames)
  }

  /** @internal */
  onControl(
    kind: RecordKind,
    flags: number,
    peerId: number,
    count: number,
    frames: ControlFrames,
  ): void {
    const owner = this.#owner
    if (kind === RecordKind.Event) {
      const [json] = frames.read()
      owner.pipeEvent(decodeEvent(decoder.decode(json)))
      return
    }
    if (kind === RecordKind.ZapRequest) {
      void this.#askZap(peerId, frames.read())
      return
    }
    if (kind === RecordKind.PeerUp) {
      this.#peerUp(flags, peerId, frames.read())
      return
    }
    const peer = owner.peer(peerId)
    if (!peer) return
    if (kind === RecordKind.Credit) owner.pipeCredit(peer, count)
    else if (kind === RecordKind.PeerDown) owner.pipeDown(peer)
  }

  /** @internal */
  onDrained(): void {
    this.#owner.pipesDrained()
  }

  /** A handshake on the host asks ZAP: the handler is asked from here, and the answer returned. */
  async #askZap(id: number, [address, mechanism, ...credentials]: Uint8Array[]): Promise<void> {
    let answer: ZapAnswer | null
    try {
      const context = this.#context.deref()
      if (!context) throw new ZmqError("ETERM", "the socket's context is gone")
      this.#zap ??= new ZapClient(context)
      answer = await this.#zap.ask({
        ...this.#owner.zapIdentity(),
        address: decoder.decode(address),
        mechanism: decoder.decode(mechanism),
        credentials,
      })
    } catch (err) {
      // The context is going (ETERM) or the handler vanished: refuse rather than let in.
      answer = refused(
        "500",
        err instanceof ZmqError ? err.detail : err instanceof Error ? err.message : String(err),
      )
    }
    const frames = answer ? zapAnswerFrames(answer) : []
    this.#outbox.push(RecordKind.ZapReply, id, frames.length, frames)
  }

  #peerUp(flags: number, peerId: number, frames: Uint8Array[]): void {
    const { type, routingId, endpoint, receiveLimit, sendLimit, properties } = decodePeerUp(frames)
    let peer = this.#owner.peer(peerId)
    if (!peer) {
      peer = new Peer(peerId, endpoint, this)
      peer.connected = (flags & PEER_CONNECTED) !== 0
      this.#owner.addPeer(peer)
    }
    peer.assembly = null // a message cut short by the old connection is gone with it
    peer.properties = properties
    peer.messageProperties = null
    const accepted = this.#owner.pipeUp(peer, { type, routingId, receiveLimit, sendLimit })
    if (accepted) peer.creditBatch = creditBatch(receiveLimit)
  }
}
