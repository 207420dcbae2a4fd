import {
  type Carrier,
  copyBytes,
  type Engine,
  type EngineHandler,
  type PeerInfo,
  type SocketType,
  ZmqError,
} from "@omq/transport"
import { TRANSFER_FROM } from "../ring/lane.js"
import type { RecordSink } from "../ring/record-link.js"
import type { HostEvent } from "./host-events.js"
import type { ConnectionOptions } from "./host-protocol.js"
import type { HostZap } from "./host-zap.js"
import type { HostedPeer } from "./hosted-peer.js"
import type { LargeFramesOut } from "./large-frames-out.js"
import { openEngine } from "./open-engine.js"
import { subscriptionMessage } from "./subscription-wire.js"
import type { WrittenPeers } from "./written-peers.js"

const NO_LIMIT = 0x7fffffff

/** What a connection's callbacks reach of its HostedSocket (see HostedConnections). */
export interface ConnectionHost {
  type(): SocketType
  /** The socket is closing: a connection accepted now is dropped at its handshake. */
  closing(): boolean
  toSocket(): RecordSink
  largeFrames(): LargeFramesOut | null
  readonly written: WrittenPeers
  zap(): HostZap
  /** Memory of a frame written without a copy goes back to the socket. */
  readonly giveBack: (buffer: ArrayBufferLike) => void
  /** Tells the socket that a pipe's handshake completed. */
  announce(peer: HostedPeer, info: PeerInfo, sendLimit: number, address: string | undefined): void
  event(event: HostEvent): void
  /** The engine is gone; true when it was closed on purpose (unbind, disconnect). */
  closed(engine: Engine, carrier: Carrier, peer: HostedPeer | null): boolean
}

/**
 * The connection closed (not by the socket closing): drop or keep its pipe, then call
 * `report` (the events: the socket learns of the pipe's fate first), then redial or not.
 */
export type ConnectionClosed = (report: () => void, error: ZmqError | null) => void

/**
 * Runs one connection of a HostedSocket over `carrier`: opens its engine and turns the engine's
 * callbacks into records for the socket (messages, large frames piece by piece, subscriptions,
 * ZAP questions) and into pipe state (credit, drains, the handshake, the end).
 *
 * `pipe` is the peer to serve, or a factory called once the handshake succeeds (accepted
 * connections get their pipe only then). Runs on the host's thread.
 */
export function runConnection(
  host: ConnectionHost,
  carrier: Carrier,
  address: string,
  pipe: HostedPeer | (() => HostedPeer),
  options: ConnectionOptions,
  onClosed: ConnectionClosed,
): Engine {
  // The socket holds its thread while it has work (WaitingSocket); the connection never does.
  carrier.unref()
  let peer: HostedPeer | null = typeof pipe === "function" ? null : pipe
  /** A frame of TRANSFER_FROM bytes or more being gathered from this connection. */
  let big: { body: Uint8Array; filled: number; more: boolean } | null = null
  /**
   * Bytes still to come of a streamed message's last frame. The message counts toward the
   * receive limit once they are in: pausing at its start would stall it half-read for ever.
   */
  let lastFrameLeft = 0
  const toSocket = host.toSocket()
  /** `count` more bytes of the streamed frame are in (in `big`, when it is gathered there). */
  const arrived = (count: number): void => {
    if (big && (big.filled += count) === big.body.byteLength) {
      host.largeFrames()!.handOver(peer!.id, big.body, big.more)
      big = null
    }
    if (lastFrameLeft > 0 && (lastFrameLeft -= count) === 0) peer!.delivered()
  }
  const handler: EngineHandler = {
    ready: (info) => {
      if (host.closing() && !peer) return engine.destroy() // accepted while closing
      peer ??= (pipe as () => HostedPeer)()
      peer.engine = engine
      peer.receiveLimit = options.receiveHighWaterMark || NO_LIMIT
      host.announce(peer, info, options.sendHighWaterMark, carrier.remoteAddress)
      host.event({ type: "handshake", address }) // after PeerUp: the socket knows the peer
      peer.flushQueue(host.giveBack)
      if (peer.paused) engine.pause()
      host.written.add(peer)
      host.written.flush()
    },
    message: (frames) => {
      if (peer!.holdIfFull(frames)) return
      toSocket.pushMessage(peer!.id, frames)
      peer!.delivered()
    },
    frameStart: (size, more) => {
      lastFrameLeft = more ? 0 : size
      if (!more && size === 0) peer!.delivered()
      const largeFrames = host.largeFrames()
      if (size >= TRANSFER_FROM && largeFrames) {
        // Gathered here whole, then handed to the socket's thread (see LargeFramesOut).
        big = { body: largeFrames.alloc(size), filled: 0, more }
        return
      }
      toSocket.pushFrameStart(peer!.id, size, more)
    },
    frameData: (piece) => {
      if (!big) toSocket.pushChunks(peer!.id, piece)
      else copyBytes(big.body, piece, big.filled)
      arrived(piece.byteLength)
    },
    // The kernel writes a large frame's bytes straight into the memory it is handed over in.
    frameTarget: () => (big ? big.body.subarray(big.filled) : null),
    frameFilled: (count) => arrived(count),
    // Handed up as the data message XPUB applications see: 0x01|topic or 0x00|topic.
    subscription: (topic, subscribe) => {
      toSocket.pushMessage(peer!.id, [subscriptionMessage(topic, subscribe)])
      peer!.delivered()
    },
    authenticate: (query) =>
      host.zap().ask(query, carrier.remoteAddress, (answer) => engine.zapAnswer(answer)),
    drain: () => {
      if (peer && peer.engine === engine && peer.blocked) {
        peer.blocked = false
        peer.flushQueue(host.giveBack) // a conflating pipe's newest
        host.written.add(peer)
        host.written.flush()
      }
    },
    closed: (error, handshaken) => {
      const deliberate = host.closed(engine, carrier, peer)
      if (peer && peer.engine === engine) {
        peer.engine = null
        peer.blocked = false // no drain will come from a closed connection
      }
      if (host.closing()) return
      onClosed(() => {
        if (deliberate) return
        if (!handshaken) reportFailedHandshake(host, address, error)
        host.event({ type: "disconnect", address })
      }, error)
    },
  }
  const engine = openEngine(host.type(), carrier, options, toSocket.streamFrom, handler)
  return engine
}

/** A handshake that did not complete, as libzmq's monitor names it. */
function reportFailedHandshake(
  host: ConnectionHost,
  address: string,
  error: ZmqError | null,
): void {
  const failure = error ?? new ZmqError("EPIPE", "connection closed during the handshake")
  const type = failure.status
    ? "handshake:error:auth"
    : failure.code === "EPROTO"
      ? "handshake:error:protocol"
      : "handshake:error:other"
  host.event({ type, address, error: failure })
}
