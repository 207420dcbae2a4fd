import { type Carrier, Connecter, type Engine } from "@omq/transport"
import type { Lane } from "../ring/lane.js"
import type { RecordSink, RecordSource } from "../ring/record-link.js"
import { RecordKind } from "../ring/records.js"
import { deadlineOf, untilDeadline } from "../util/deadline.js"
import { type ConnectionClosed, type ConnectionHost, runConnection } from "./connection.js"
import { prepareSecurity } from "./connection-security.js"
import { encodeEvent, type HostEvent } from "./host-events.js"
import type { ConnectionOptions, SocketAttachment } from "./host-protocol.js"
import { type OwedMemory, openHostSide } from "./host-side.js"
import { HostZap } from "./host-zap.js"
import { HostedListeners } from "./hosted-listeners.js"
import type { HostedPeer } from "./hosted-peer.js"
import { HostedPeers } from "./hosted-peers.js"
import type { LargeFramesOut, ToParent } from "./large-frames-out.js"
import { SocketRecordHandler } from "./socket-record-handler.js"
import { dialerFor, listenerFor } from "./transports.js"
import { UdpPipes } from "./udp-pipes.js"
import { WrittenPeers } from "./written-peers.js"

interface Connect {
  connecter: Connecter
  /** The pipe kept across reconnects (null with `immediate`). */
  pipe: HostedPeer | null
  /** The pipe of the current connection when `immediate` is on. */
  live: HostedPeer | null
}

/**
 * The host-side half of one socket: its listeners, connecters, ZMTP engines, the records its
 * socket sends (SocketRecordHandler), and its end of life. Lives on the host's thread (an IO
 * worker, or the socket's own thread when the context has no IO threads).
 */
export class HostedSocket {
  readonly #att: SocketAttachment
  /** Null in-thread (see HostSide). */
  readonly #largeFrames: LargeFramesOut | null
  readonly #lane: Lane | null
  readonly #owed: OwedMemory
  readonly #inbox: RecordSource
  readonly #outbox: RecordSink
  readonly #peers: HostedPeers
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
    addPeer: (id, endpoint, options, connected) =>
      this.#peers.add(id, endpoint, options, connected),
    removePeer: (peer) => this.#peers.remove(peer),
  })
  /** connect()s by endpoint; libzmq allows several to the same one. */
  readonly #connects = new Map<string, Connect[]>()
  readonly #engines = new Set<Engine>()
  /** Pipes written to during the current drain; flushed once at its end. */
  readonly #written = new WrittenPeers((peer, count) =>
    this.#outbox.push(RecordKind.Credit, peer.id, count),
  )
  readonly #zap: HostZap
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
    const side = openHostSide(att, toParent)
    this.#outbox = side.toSocket
    this.#lane = side.lane
    this.#largeFrames = side.largeFrames
    this.#owed = side.owed
    this.#zap = new HostZap(this.#outbox, zapHandlerBound)
    this.#peers = new HostedPeers(this.#outbox, this.#written, this.#giveBackFn)
    const records = new SocketRecordHandler({
      type: att.type,
      peers: this.#peers.byId,
      written: this.#written,
      toSocket: this.#outbox,
      copies: side.copies,
      owed: side.owed,
      giveBack: this.#giveBackFn,
      zap: this.#zap,
      close: (linger) => void this.#close(linger),
      connect: (endpoint, options, pipeId) => this.#connect(endpoint, options, pipeId),
      disconnect: (endpoint) => this.#disconnect(endpoint),
    })
    this.#inbox = side.readFromSocket(records)
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
    const pipe = pipeId !== 0 ? this.#peers.add(pipeId, endpoint, options, true) : null
    const entry: Connect = {
      pipe,
      live: null,
      connecter: new Connecter(
        dialer,
        options,
        (carrier) => {
          const peer = entry.pipe ?? this.#peers.add(0, endpoint, options, true)
          entry.live = peer
          this.#startEngine(carrier, endpoint, peer, options, (report, error) => {
            if (!entry.pipe && entry.live) this.#peers.remove(entry.live)
            entry.live = null
            // As libzmq: a peer that broke the protocol (an incompatible socket type, garbage)
            // ends the connect for good; otherwise the pipe dies with its connection only
            // without reconnection.
            const fatal = error?.code === "EPROTO" || error?.code === "EMSGSIZE"
            if ((fatal || !entry.connecter.reconnects) && entry.pipe) {
              this.#peers.remove(entry.pipe)
            }
            report()
            if (fatal) entry.connecter.close()
            else entry.connecter.retry()
          })
        },
        (event) => {
          // A failed attempt without reconnection is final: the pipe goes with its messages, as
          // with a lost connection (else a close() with linger -1 would wait for them for ever).
          if (event.type === "close" && !entry.connecter.reconnects && pipe)
            this.#peers.remove(pipe)
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
      if (peer) this.#peers.remove(peer)
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
    if (linger !== 0) await this.#written.untilSent(() => this.#peers.byId.values(), linger)
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

  /** Returns a frame's memory to the socket's pool (and its send budget), if it is owed. */
  #giveBack(buffer: ArrayBufferLike): void {
    if (!this.#closing) this.#owed.giveBack(buffer)
  }

  readonly #giveBackFn = (buffer: ArrayBufferLike): void => this.#giveBack(buffer)

  // ---- connections ---------------------------------------------------------------------------

  #accept(carrier: Carrier, endpoint: string, options: ConnectionOptions): void {
    let peer: HostedPeer | null = null
    this.#startEngine(
      carrier,
      endpoint,
      () => {
        peer = this.#peers.add(0, endpoint, options, false)
        return peer
      },
      options,
      (report) => {
        if (peer) this.#peers.remove(peer)
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
      this.#peers.announce(peer, info, sendLimit, peerAddress),
    event: (event) => this.#event(event),
    closed: (engine, carrier, peer) => {
      this.#engines.delete(engine)
      // Closed on purpose: by unbind(), or its pipe was dropped already (disconnect()).
      return this.#listeners.droppedOnPurpose(carrier) || (peer !== null && !this.#peers.has(peer))
    },
  }
}

/** udp endpoints go to UdpPipes, every other one to the listeners and connecters. */
function isUdp(endpoint: string): boolean {
  return endpoint.startsWith("udp://")
}
