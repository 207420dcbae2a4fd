import type { Metadata } from "@omq/transport"
import type { FrameAssembler } from "../ring/frame-assembler.js"
import { Queue } from "../util/queue.js"
import type { MessageProperties } from "./message-properties.js"
import type { PipeLink } from "./pipe.js"

/**
 * A peer pipe as its socket sees it: send credit, and the messages received from it that the
 * application has not taken yet. Owned by the socket's thread.
 */
export class Peer {
  readonly id: number
  /** How messages and credit reach the peer (see pipe.ts). */
  link: PipeLink
  /** "PUSH", "DEALER", ... once a handshake told us; "" for a connect still in progress. */
  socketType = ""
  routingId: Uint8Array = new Uint8Array(0)
  readonly endpoint: string
  /** Made by a connect() (else accepted by a bind()). */
  connected = false
  /** Messages sent to the peer that the carrier has not yet confirmed as gone out. */
  outstanding = 0
  /**
   * Messages that may be outstanding (0: no limit): the send high-water mark the pipe was made
   * with, as in libzmq (a later option change affects new pipes only); 0 when conflating.
   */
  sendLimit = 0
  /** Messages taken by the application since credit last went back. */
  consumed = 0
  /** How many taken messages make one credit record (half the pipe's receive limit). */
  creditBatch = 500
  readonly inbound = new Queue<Buffer[]>()
  /** True once the socket stopped using this peer (it went down or was rejected). */
  gone = false
  /** The large message now arriving from this peer, frame by frame. */
  assembly: FrameAssembler | null = null
  /** The connection's properties, from its PeerUp (null for inproc pipes: see propertiesOf). */
  properties: Metadata | null = null
  /** What receiveWithProperties() hands out for this peer's messages, made on first ask. */
  messageProperties: MessageProperties | null = null
  /** A network pipe (tcp, ipc, udp), not an inproc one. */
  readonly overNetwork: boolean
  /** Not connected: a connect pipe before its first handshake, or its connection went down. */
  stalled = false
  /** Its `outstanding` messages count in its socket's in-flight total (see PipedSocket). */
  counted = false

  /** At its send limit: a send must wait, or drop, depending on the socket type. */
  get full(): boolean {
    return (this.sendLimit > 0 && this.outstanding >= this.sendLimit) || this.link.blocked
  }

  constructor(id: number, endpoint: string, link: PipeLink) {
    this.id = id
    this.endpoint = endpoint
    this.link = link
    this.overNetwork = !endpoint.startsWith("inproc:")
  }
}
