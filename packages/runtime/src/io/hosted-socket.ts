import type { Lane } from "../ring/lane.js"
import type { RecordSink, RecordSource } from "../ring/record-link.js"
import { RecordKind } from "../ring/records.js"
import { deadlineOf, untilDeadline } from "../util/deadline.js"
import { prepareSecurity } from "./connection-security.js"
import { encodeEvent, type HostEvent } from "./host-events.js"
import type { ConnectionOptions, SocketAttachment } from "./host-protocol.js"
import { type OwedMemory, openHostSide } from "./host-side.js"
import { HostZap } from "./host-zap.js"
import { HostedConnections } from "./hosted-connections.js"
import { HostedListeners } from "./hosted-listeners.js"
import { HostedPeers } from "./hosted-peers.js"
import type { ToParent } from "./large-frames-out.js"
import { SocketRecordHandler } from "./socket-record-handler.js"
import { listenerFor } from "./transports.js"
import { UdpPipes } from "./udp-pipes.js"
import { WrittenPeers } from "./written-peers.js"

/**
 * The host-side half of one socket: its listeners, connections and udp pipes, the records its
 * socket sends (SocketRecordHandler), and its end of life. Lives on the host's thread (an IO
 * worker, or the socket's own thread when the context has no IO threads), and is reached from
 * the socket's thread only through records and the IoHost's mailbox calls (bind, unbind).
 */
export class HostedSocket {
  readonly #att: SocketAttachment
  readonly #lane: Lane | null
  readonly #owed: OwedMemory
  readonly #inbox: RecordSource
  readonly #outbox: RecordSink
  /** Pipes written to during the current drain; flushed once at its end. */
  readonly #written = new WrittenPeers((peer, count) =>
    this.#outbox.push(RecordKind.Credit, peer.id, count),
  )
  readonly #peers: HostedPeers
  readonly #listeners = new HostedListeners({
    event: (event) => this.#event(event),
    closing: () => this.#closing,
  })
  readonly #connections: HostedConnections
  /** The udp endpoints: a DISH's or DGRAM's binds, a RADIO's connects (see UdpPipes). */
  readonly #udp: UdpPipes
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
    const toSocket = side.toSocket
    this.#outbox = toSocket
    this.#lane = side.lane
    this.#owed = side.owed
    const written = this.#written
    const giveBack = this.#giveBack
    const zap = new HostZap(toSocket, zapHandlerBound)
    const peers = new HostedPeers(toSocket, written, giveBack)
    this.#peers = peers
    const event = (event: HostEvent): void => this.#event(event)
    const closing = (): boolean => this.#closing
    this.#connections = new HostedConnections({
      peers,
      droppedOnPurpose: (carrier) => this.#listeners.droppedOnPurpose(carrier),
      connection: {
        type: () => att.type,
        closing,
        toSocket: () => toSocket,
        largeFrames: () => side.largeFrames,
        written,
        zap: () => zap,
        giveBack,
        event,
      },
    })
    this.#udp = new UdpPipes({
      type: () => att.type,
      closing,
      toSocket: () => toSocket,
      written: () => written,
      giveBack,
      addPeer: (id, endpoint, options, connected) => peers.add(id, endpoint, options, connected),
      removePeer: (peer) => peers.remove(peer),
    })
    const records = new SocketRecordHandler({
      type: att.type,
      peers: peers.byId,
      written,
      toSocket,
      copies: side.copies,
      owed: side.owed,
      giveBack,
      zap,
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
        this.#connections.accept(carrier, ep, options),
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

  /** A Connect record: `pipeId` is the socket's pipe for it, or 0 with `immediate`. */
  #connect(endpoint: string, options: ConnectionOptions, pipeId: number): void {
    prepareSecurity(options.security)
    if (isUdp(endpoint)) {
      if (!this.#closing) this.#udp.connect(endpoint, options, pipeId)
      return
    }
    this.#connections.connect(endpoint, options, pipeId)
  }

  #disconnect(endpoint: string): void {
    if (isUdp(endpoint)) this.#udp.disconnect(endpoint)
    else this.#connections.disconnect(endpoint)
  }

  /** Returns a frame's memory to the socket's pool (and its send budget), if it is owed. */
  readonly #giveBack = (buffer: ArrayBufferLike): void => {
    if (!this.#closing) this.#owed.giveBack(buffer)
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
    this.#connections.stopConnecting()
    if (linger !== 0) {
      const ended = Promise.all([...this.#connections.end(), this.#udp.end()])
      await untilDeadline(ended, deadline)
    }
    this.#connections.destroy()
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
}

/** udp endpoints go to UdpPipes, every other one to the listeners and connections. */
function isUdp(endpoint: string): boolean {
  return endpoint.startsWith("udp://")
}
