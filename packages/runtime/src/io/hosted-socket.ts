import { type Carrier, Connecter, type Engine, type PeerInfo } from "@omq/transport"
import type { Lane } from "../ring/lane.js"
import type { ControlFrames, InboxHandler, RecordSink, RecordSource } from "../ring/record-link.js"
import {
  lengthAt,
  PEER_CONNECTED,
  RECORD_HEADER,
  RecordKind,
  readFrames,
  SUBSCRIBE,
} from "../ring/records.js"
import { deadlineOf, untilDeadline } from "../util/deadline.js"
import { type ConnectionClosed, type ConnectionHost, runConnection } from "./connection.js"
import { prepareSecurity } from "./connection-security.js"
import { encodeEvent, type HostEvent } from "./host-events.js"
import {
  type ConnectionOptions,
  decodeOptions,
  encodePeerUp,
  type SocketAttachment,
} from "./host-protocol.js"
import { type OwedMemory, openHostSide } from "./host-side.js"
import { HostZap } from "./host-zap.js"
import { HostedListeners } from "./hosted-listeners.js"
import { HostedPeer } from "./hosted-peer.js"
import type { LargeFramesOut, ToParent } from "./large-frames-out.js"
import { OutgoingStream } from "./outgoing-stream.js"
import { peerProperties } from "./peer-properties.js"
import type { PooledCopies } from "./pooled-copies.js"
import { writeSubscription } from "./subscription-wire.js"
import { dialerFor, listenerFor } from "./transports.js"
import { UdpPipes } from "./udp-pipes.js"
import { WrittenPeers } from "./written-peers.js"

const decoder = new TextDecoder()

interface Connect {
  connecter: Connecter
  /** The pipe kept across reconnects (null with `immediate`). */
  pipe: HostedPeer | null
  /** The pipe of the current connection when `immediate` is on. */
  live: HostedPeer | null
}

/**
 * The host-side half of one socket: its listeners, connecters, ZMTP engines, and both ring
 * directions. Lives on the host's thread (an IO worker, or the socket's own thread when the
 * context has no IO threads).
 */
export class HostedSocket implements InboxHandler {
  readonly #att: SocketAttachment
  /** Null in-thread (see HostSide). */
  readonly #largeFrames: LargeFramesOut | null
  readonly #lane: Lane | null
  /** In-thread only: how the socket's messages are taken (see onFrames). */
  readonly #copies: PooledCopies | null
  readonly #owed: OwedMemory
  readonly #inbox: RecordSource
  readonly #outbox: RecordSink
  readonly #peers = new Map<number, HostedPeer>()
  readonly #listeners = new HostedListeners({
    event: (event) => this.#event(event),
    closing: () => this.#closing,
  })
  /** The udp endpoints: a DISH's or DGRAM's binds, a RADIO's connects (see UdpPipes). */
  readonly #udp = new UdpPipes({
    type: () => this.#att.type,
    closing: () => this.#closing,
    toSocket: () => this.#outbox,
    written: () => this.#written,
    giveBack: (buffer) => this.#giveBack(buffer),
    addPeer: (id, endpoint, options, connected) => {
      if (id === 0) return this.#addPeer(endpoint, options, connected)
      const peer = new HostedPeer(id, endpoint, options.conflate, connected)
      this.#peers.set(id, peer)
      return peer
    },
    removePeer: (peer) => this.#removePeer(peer),
  })
  /** connect()s by endpoint; libzmq allows several to the same one. */
  readonly #connects = new Map<string, Connect[]>()
  readonly #engines = new Set<Engine>()
  /** Pipes written to during the current drain; flushed once at its end. */
  readonly #written = new WrittenPeers((peer, count) =>
    this.#outbox.push(RecordKind.Credit, peer.id, count),
  )
  #nextPeer = 1
  readonly #zap: HostZap
  /** The large message now arriving from the socket, frame by frame. */
  readonly #stream = new OutgoingStream({
    peer: (id) => this.#peers.get(id),
    touched: (peer) => this.#written.add(peer),
    giveBack: (buffer) => this.#giveBack(buffer),
  })
  #closing = false
  #resolveFinished!: () => void
  readonly #finished = new Promise<void>((resolve) => {
    this.#resolveFinished = resolve
  })
  readonly #onGone: () => void
  /** Resolves when the socket's thread is gone (see abandon). */
  #socketGone!: () => void
  readonly #socketGoneP = new Promise<void>((resolve) => {
    this.#socketGone = resolve
  })

  /**
   * @param toParent set when the socket lives on the IO worker's parent thread (see
   * LargeFramesOut).
   * @param zapHandlerBound whether a ZAP handler is bound in the context (see HostZap).
   */
  constructor(
    att: SocketAttachment,
    toParent: ToParent | null,
    zapHandlerBound: () => boolean,
    onGone: () => void,
  ) {
    this.#att = att
    this.#onGone = onGone
    const side = openHostSide(att, toParent, this)
    this.#outbox = side.toSocket
    this.#inbox = side.fromSocket
    this.#lane = side.lane
    this.#largeFrames = side.largeFrames
    this.#copies = side.copies
    this.#owed = side.owed
    this.#zap = new HostZap(this.#outbox, zapHandlerBound)
    this.#inbox.start()
  }

  /** The thread the socket lives on. */
  get thread(): number {
    return this.#att.thread
  }

  /** The socket's thread died without closing (a worker that exited): drop everything now. */
  abandon(): void {
    this.#socketGone()
    void this.#close(0)
  }

  async bind(endpoint: string, options: ConnectionOptions): Promise<string> {
    prepareSecurity(options.security)
    try {
      if (isUdp(endpoint)) return await this.#udp.bind(endpoint, options)
      return await this.#listeners.bind(endpoint, listenerFor(endpoint, options), (carrier, ep) =>
        this.#accept(carrier, ep, options),
      )
    } finally {
      this.#outbox.hurry() // its events (bind, listen) reach the socket before the answer, as ever
    }
  }

  /**
   * Reports a monitor event to the socket (its Observer, if it has one). Events do not wake
   * the socket's thread on their own: they go with the next record that does (a connect's
   * events with its handshake's PeerUp), or a few ms later (see RecordSink.pushLater).
   */
  #event(event: HostEvent): void {
    this.#outbox.pushLater(RecordKind.Event, 0, 1, [encodeEvent(event)])
  }

  async unbind(endpoint: string): Promise<void> {
    try {
      if (this.#udp.bound(endpoint)) return await this.#udp.unbind(endpoint)
      return await this.#listeners.unbind(endpoint)
    } finally {
      this.#outbox.hurry() // its events go ahead of the answer (see bind)
    }
  }

  /** Starts a connect(); `pipeId` is the socket's pipe for it, or 0 with `immediate`. */
  #connect(endpoint: string, options: ConnectionOptions, pipeId: number): void {
    prepareSecurity(options.security)
    if (isUdp(endpoint)) {
      if (!this.#closing) this.#udp.connect(endpoint, options, pipeId)
      return
    }
    const dialer = dialerFor(endpoint, options)
    if (this.#closing) return
    let pipe: HostedPeer | null = null
    if (pipeId !== 0) {
      pipe = new HostedPeer(pipeId, endpoint, options.conflate, true)
      this.#peers.set(pipeId, pipe)
    }
    const entry: Connect = {
      pipe,
      live: null,
      connecter: new Connecter(
        dialer,
        options,
        (carrier) => {
          const peer = entry.pipe ?? this.#addPeer(endpoint, options, true)
          entry.live = peer
          this.#startEngine(carrier, endpoint, peer, options, (report, error) => {
            if (!entry.pipe && entry.live) this.#removePeer(entry.live)
            entry.live = null
            // As libzmq: a peer that broke the protocol (an incompatible socket type, garbage)
            // ends the connect for good; otherwise the pipe dies with its connection only
            // without reconnection.
            const fatal = error?.code === "EPROTO" || error?.code === "EMSGSIZE"
            if ((fatal || !entry.connecter.reconnects) && entry.pipe) {
              this.#removePeer(entry.pipe)
            }
            report()
            if (fatal) entry.connecter.close()
            else entry.connecter.retry()
          })
        },
        (event) => {
          // A failed attempt without reconnection is final: the pipe goes with its messages, as
          // with a lost connection (else a close() with linger -1 would wait for them for ever).
          if (event.type === "close" && !entry.connecter.reconnects && pipe) this.#removePeer(pipe)
          this.#event({ ...event, address: endpoint })
        },
      ),
    }
    this.#connects.set(endpoint, [...(this.#connects.get(endpoint) ?? []), entry])
  }

  #disconnect(endpoint: string): void {
    if (isUdp(endpoint)) {
      this.#udp.disconnect(endpoint)
      return
    }
    const entries = this.#connects.get(endpoint) ?? []
    this.#connects.delete(endpoint)
    for (const entry of entries) {
      entry.connecter.close()
      const peer = entry.pipe ?? entry.live
      if (peer) this.#removePeer(peer)
    }
  }

  /** Resolves once the socket has closed and its connections are gone. */
  get finished(): Promise<void> {
    return this.#finished
  }

  /**
   * Stops listening and connecting, waits up to `linger` ms (-1 for ever) for queued messages to
   * reach the kernel, then drops every connection. Runs when the socket's Close record arrives
   * (after every message it sent), or with linger 0 when the socket's thread died.
   */
  async #close(linger: number): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    const listeners = this.#listeners.closeAll()
    this.#written.flush()
    const deadline = deadlineOf(linger)
    // Connecters keep trying while lingering: queued messages may still find their peer.
    if (linger !== 0) await this.#written.untilSent(() => this.#peers.values(), linger)
    for (const entries of this.#connects.values()) for (const e of entries) e.connecter.close()
    if (linger !== 0) {
      const ended = Promise.all([...[...this.#engines].map((e) => e.end()), this.#udp.end()])
      await untilDeadline(ended, deadline)
    }
    for (const engine of this.#engines) engine.destroy()
    this.#engines.clear()
    this.#udp.destroy()
    this.#peers.clear()
    await listeners
    // Records still in the backlog (a ring the socket's thread was slow to drain) would be lost
    // with the outbox; the thread, if alive, reads them before it hears that the host is done.
    await Promise.race([this.#outbox.flushed(), this.#socketGoneP])
    this.#inbox.close()
    this.#outbox.close()
    this.#lane?.close()
    this.#onGone()
    this.#resolveFinished()
  }

  // ---- InboxHandler: records from the socket -------------------------------------------------

  onMessage(peerId: number, bytes: Uint8Array, view: DataView, at: number): void {
    const peer = this.#peers.get(peerId)
    if (!peer) return // the peer went away; libzmq drops its queued messages the same way
    const engine = peer.engine
    if (!engine || !peer.writable) {
      peer.hold(readFrames(bytes, view, at), this.#giveBackFn)
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
      peer.hold(this.#copies!.keep(frames), this.#giveBackFn)
      return
    }
    this.#copies!.write(engine, frames, this.#giveBackFn)
    peer.written++
    this.#written.add(peer)
  }

  readonly #giveBackFn = (buffer: ArrayBufferLike): void => this.#giveBack(buffer)

  onFrameStart(peerId: number, size: number, more: boolean): void {
    this.#stream.frameStart(peerId, size, more)
  }

  onChunk(_peerId: number, bytes: Uint8Array, owned: boolean): void {
    if (owned) this.#owed.owe(bytes.buffer)
    this.#stream.chunk(bytes, owned)
  }

  /** Returns a frame's memory to the socket's pool (and its send budget), if it is owed. */
  #giveBack(buffer: ArrayBufferLike): void {
    if (!this.#closing) this.#owed.giveBack(buffer)
  }

  /** Gives back the lent memory of messages that will never be written. */
  #giveBackQueue(peer: HostedPeer): void {
    for (const frames of peer.queue) for (const f of frames) this.#giveBack(f.buffer)
  }

  onControl(
    kind: RecordKind,
    flags: number,
    peerId: number,
    count: number,
    frames: ControlFrames,
  ): void {
    if (kind === RecordKind.Close) {
      void this.#close(count | 0)
      return
    }
    if (kind === RecordKind.ZapReply) {
      this.#zap.answered(peerId, count, frames)
      return
    }
    if (kind === RecordKind.Connect || kind === RecordKind.Disconnect) {
      const [endpoint, options] = frames.read()
      const text = decoder.decode(endpoint)
      if (kind === RecordKind.Connect) this.#connect(text, decodeOptions(options!), peerId)
      else this.#disconnect(text)
      return
    }
    const peer = this.#peers.get(peerId)
    if (!peer) return
    if (kind === RecordKind.Credit) {
      const held = peer.credited(count)
      if (held) this.#outbox.pushMessage(peer.id, held)
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
    writeSubscription(peer.engine, topic, (flags & SUBSCRIBE) !== 0, this.#att.type === "DISH")
    this.#written.add(peer)
  }

  onDrained(): void {
    this.#written.flush()
  }

  // ---- connections ---------------------------------------------------------------------------

  #accept(carrier: Carrier, endpoint: string, options: ConnectionOptions): void {
    let peer: HostedPeer | null = null
    this.#startEngine(
      carrier,
      endpoint,
      () => {
        peer = this.#addPeer(endpoint, options, false)
        return peer
      },
      options,
      (report) => {
        if (peer) this.#removePeer(peer)
        report()
      },
    )
  }

  /**
   * Runs a connection over `carrier` (see runConnection). `pipe` is the peer to serve, or a
   * factory called once the handshake succeeds (accepted connections get their pipe only then).
   */
  #startEngine(
    carrier: Carrier,
    address: string,
    pipe: HostedPeer | (() => HostedPeer),
    options: ConnectionOptions,
    onClosed: ConnectionClosed,
  ): void {
    const engine = runConnection(this.#connectionHost, carrier, address, pipe, options, onClosed)
    this.#engines.add(engine)
  }

  /** What each connection's callbacks reach of this socket (see runConnection). */
  readonly #connectionHost: ConnectionHost = {
    type: () => this.#att.type,
    closing: () => this.#closing,
    toSocket: () => this.#outbox,
    largeFrames: () => this.#largeFrames,
    written: this.#written,
    zap: () => this.#zap,
    giveBack: this.#giveBackFn,
    announce: (peer, info, sendLimit, peerAddress) =>
      this.#announce(peer, info, sendLimit, peerAddress),
    event: (event) => this.#event(event),
    closed: (engine, carrier, peer) => {
      this.#engines.delete(engine)
      // Closed on purpose: by unbind(), or its pipe was dropped already (disconnect()).
      return (
        this.#listeners.droppedOnPurpose(carrier) ||
        (peer !== null && this.#peers.get(peer.id) !== peer)
      )
    },
  }

  #addPeer(endpoint: string, options: ConnectionOptions, connected: boolean): HostedPeer {
    const peer = new HostedPeer(this.#nextPeer++, endpoint, options.conflate, connected)
    this.#peers.set(peer.id, peer)
    return peer
  }

  /** Tells the socket that a pipe's handshake completed, with the limits it was made with. */
  #announce(
    peer: HostedPeer,
    info: PeerInfo,
    sendLimit: number,
    address: string | undefined,
  ): void {
    const frames = encodePeerUp({
      type: info.socketType,
      routingId: info.routingId ?? new Uint8Array(0),
      endpoint: peer.endpoint,
      receiveLimit: peer.receiveLimit,
      sendLimit,
      properties: peerProperties(info, address),
    })
    const flags = peer.connected ? PEER_CONNECTED : 0
    this.#outbox.push(RecordKind.PeerUp, peer.id, frames.length, frames, flags)
  }

  #removePeer(peer: HostedPeer): void {
    if (!this.#peers.delete(peer.id)) return
    this.#giveBackQueue(peer)
    this.#written.delete(peer)
    peer.engine?.destroy()
    this.#outbox.push(RecordKind.PeerDown, peer.id, 0)
  }
}

/** udp endpoints go to UdpPipes, every other one to the listeners and connecters. */
function isUdp(endpoint: string): boolean {
  return endpoint.startsWith("udp://")
}
