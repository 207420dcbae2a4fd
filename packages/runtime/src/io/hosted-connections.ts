import { type Carrier, Connecter, type Engine } from "@omq/transport"
import { type ConnectionClosed, type ConnectionHost, runConnection } from "./connection.js"
import type { ConnectionOptions } from "./host-protocol.js"
import type { HostedPeer } from "./hosted-peer.js"
import type { HostedPeers } from "./hosted-peers.js"
import { dialerFor } from "./transports.js"

/** One connect(): its Connecter, and the pipe it serves. */
interface Connect {
  connecter: Connecter
  /** The pipe kept across reconnects (null with `immediate`). */
  pipe: HostedPeer | null
  /** The pipe of the current connection when `immediate` is on. */
  live: HostedPeer | null
}

/** What the connections reach of their HostedSocket. */
export interface ConnectionsHost {
  readonly peers: HostedPeers
  /** The connection was closed by unbind() (see HostedListeners). */
  droppedOnPurpose(carrier: Carrier): boolean
  /**
   * What each connection reaches (see runConnection), but for the pipe announcements and the
   * end, which HostedConnections adds (its callbacks are copied, not wrapped).
   */
  readonly connection: Omit<ConnectionHost, "announce" | "closed">
}

/**
 * A socket's tcp, ipc and ws connections (udp has UdpPipes): the engine of each, whether a
 * listener accepted it or a connect() dialed it, and the connect()s with their Connecter, which
 * dials again after a connection is lost. A pipe dies with its connection, but for a connect()'s
 * without `immediate`, which outlives its connections as libzmq's does.
 *
 * Owned by the host's thread.
 */
export class HostedConnections {
  readonly #peers: HostedPeers
  readonly #host: ConnectionsHost
  /** What each connection's callbacks reach of the socket. */
  readonly #connectionHost: ConnectionHost
  /** connect()s by endpoint; libzmq allows several to the same one. */
  readonly #connects = new Map<string, Connect[]>()
  readonly #engines = new Set<Engine>()

  constructor(host: ConnectionsHost) {
    const peers = host.peers
    this.#peers = peers
    this.#host = host
    this.#connectionHost = {
      ...host.connection,
      announce: (peer, info, sendLimit, peerAddress) =>
        peers.announce(peer, info, sendLimit, peerAddress),
      closed: (engine, carrier, peer) => {
        this.#engines.delete(engine)
        // Closed on purpose: by unbind(), or its pipe was dropped already (disconnect()).
        return host.droppedOnPurpose(carrier) || (peer !== null && !peers.has(peer))
      },
    }
  }

  /** Runs a connection a listener accepted; its pipe is made once the handshake succeeds. */
  accept(carrier: Carrier, endpoint: string, options: ConnectionOptions): void {
    let peer: HostedPeer | null = null
    this.#start(
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

  /** Starts a connect(); `pipeId` is the socket's pipe for it, or 0 with `immediate`. */
  connect(endpoint: string, options: ConnectionOptions, pipeId: number): void {
    const dialer = dialerFor(endpoint, options)
    if (this.#host.connection.closing()) return
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
          this.#start(carrier, endpoint, peer, options, (report, error) => {
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
          this.#host.connection.event({ ...event, address: endpoint })
        },
      ),
    }
    this.#connects.set(endpoint, [...(this.#connects.get(endpoint) ?? []), entry])
  }

  /** Stops every connect() to `endpoint` and drops their pipes. */
  disconnect(endpoint: string): void {
    const entries = this.#connects.get(endpoint) ?? []
    this.#connects.delete(endpoint)
    for (const entry of entries) {
      entry.connecter.close()
      const peer = entry.pipe ?? entry.live
      if (peer) this.#peers.remove(peer)
    }
  }

  /** The socket is closing and done lingering: no connect() dials again. */
  stopConnecting(): void {
    for (const entries of this.#connects.values()) for (const e of entries) e.connecter.close()
  }

  /** Ends every connection once its output is written: one promise each (see Engine.end). */
  end(): Promise<void>[] {
    return [...this.#engines].map((e) => e.end())
  }

  /** Drops every connection at once. */
  destroy(): void {
    for (const engine of this.#engines) engine.destroy()
    this.#engines.clear()
  }

  /**
   * Runs a connection over `carrier` (see runConnection). `pipe` is the peer to serve, or a
   * factory called once the handshake succeeds (accepted connections get their pipe only then).
   */
  #start(
    carrier: Carrier,
    address: string,
    pipe: HostedPeer | (() => HostedPeer),
    options: ConnectionOptions,
    onClosed: ConnectionClosed,
  ): void {
    const engine = runConnection(this.#connectionHost, carrier, address, pipe, options, onClosed)
    this.#engines.add(engine)
  }
}
