import type { Event } from "../observer.js"
import type { HoldTarget } from "../util/thread-hold.js"
import type { Peer } from "./peer.js"

/**
 * A pipe, as a socket type sees it: one Peer per pipe, whatever carries it. The carrier is
 * one of three, all on the socket's thread:
 * - HostChannel: the pipe is a connection (tcp, ipc) on an IoHost; many pipes share its rings;
 * - DirectPipe: the peer is another socket on this thread (inproc);
 * - RingPipe: the peer is a socket on another thread (inproc), over a ring pair of its own.
 *
 * The socket writes to a pipe through its PipeLink, and hears from it through PipeOwner.
 */
export interface PipeLink {
  /** Sends a whole message (the caller has charged the peer's send credit). */
  message(peer: Peer, frames: readonly Uint8Array[]): void
  /** The application took `count` of the peer's messages: receive credit back to the sender. */
  credit(peer: Peer, count: number): void
  /** A SUB/XSUB (un)subscription toward a publisher. */
  subscription(peer: Peer, topic: Uint8Array, subscribe: boolean): void
  /** The socket refuses or drops the pipe (a second PAIR peer, a handover, disconnect()). */
  drop(peer: Peer): void
  /**
   * The pipe takes nothing more for now (its ring is full and a backlog waits): the peer
   * counts as full until the carrier reports pipesDrained.
   */
  readonly blocked: boolean
}

/** What a pipe's peer said about itself once the pipe was made (the handshake, or inproc). */
export interface PipeInfo {
  type: string
  routingId: Uint8Array
  /** Receive high-water mark of the pipe (messages; its credit goes back in halves). */
  receiveLimit: number
  /** Send high-water mark of the pipe (0: no limit). */
  sendLimit: number
}

/** What the carriers tell the socket, on the socket's thread. */
export interface PipeOwner {
  /** Where a carrier holds the thread while it keeps messages in this thread's memory. */
  readonly keepAlive: HoldTarget
  /** The peer is known. Returns false when the socket refuses it (the carrier drops it). */
  pipeUp(peer: Peer, info: PipeInfo): boolean
  pipeMessage(peer: Peer, frames: Buffer[]): void
  /** `count` messages sent to the peer left the pipe: send credit back. */
  pipeCredit(peer: Peer, count: number): void
  /** Nothing more comes from the peer, nor goes to it. */
  pipeDown(peer: Peer): void
  pipeEvent(event: Event): void
  /** A burst of the above ended: serve waiting send() and receive() calls once. */
  pipesDrained(): void
}

/** A message of a SUB/XSUB (un)subscription on a pipe with no ZMTP: 0x01|topic or 0x00|topic. */
export function subscriptionFrame(topic: Uint8Array, subscribe: boolean): Buffer {
  const frame = Buffer.allocUnsafe(topic.byteLength + 1)
  frame[0] = subscribe ? 1 : 0
  frame.set(topic, 1)
  return frame
}

/** Credit goes back in batches of half the receive limit, as libzmq's low-water mark. */
export function creditBatch(limit: number): number {
  return limit >= NO_LIMIT || limit === 0 ? 512 : Math.max(1, (limit + 1) >>> 1)
}

/** The host's "no limit" receive high-water mark. */
export const NO_LIMIT = 0x7fffffff
