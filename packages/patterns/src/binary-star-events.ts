import diagnostics from "node:diagnostics_channel"
import { ZmqError } from "omq"
import type { BinaryStarFatal, BinaryStarFsmEvent, BinaryStarState } from "./binary-star-fsm.js"

/** The guide's timings (bstarsrv, bstarcli). */
export const DEFAULT_HEARTBEAT = 1_000
/** Heartbeats of silence after which the peer counts as dead. */
export const DEFAULT_LIVENESS = 2
/** The client's wait for a reply, and its pause before asking the other server. */
export const DEFAULT_CLIENT_TIMEOUT = 1_000
export const DEFAULT_SETTLE = 2_000

export type BinaryStarRole = "primary" | "backup"

/** What Binary Star servers and clients tell `diagnostics_channel` "omq:patterns:binary-star". */
export type BinaryStarEvent =
  /** A server changed state on `event` (the peer's state, or a client's request). */
  | {
      type: "state"
      role: BinaryStarRole
      from: BinaryStarState
      to: BinaryStarState
      event: BinaryStarFsmEvent
    }
  /** A passive server took a client's request, its peer expired, as the vote to go active. */
  | { type: "failover"; role: BinaryStarRole }
  /** The peer was not heard for `liveness` heartbeats. */
  | { type: "peer-expired"; role: BinaryStarRole }
  /** A client request this server does not serve in `state`: dropped, unanswered. */
  | { type: "request-rejected"; role: BinaryStarRole; state: BinaryStarState }
  /** The pair is broken (two actives, or two passives): this server stopped. */
  | { type: "fatal"; role: BinaryStarRole; state: BinaryStarState; reason: BinaryStarFatal }
  /** A state message that is not one of the four states: ignored. */
  | { type: "malformed"; role: BinaryStarRole }
  /** The handler threw: that request gets no reply. */
  | { type: "handler-failed"; role: BinaryStarRole; error: unknown }
  /** Client: no reply from `from` in time; the request goes to `to` after the settle delay. */
  | { type: "client-failover"; from: string; to: string; attempt: number }
  /** Client: no server answered within its attempts; the request rejected with EAGAIN. */
  | { type: "client-abandon"; attempts: number }

export const binaryStarEvents = diagnostics.channel("omq:patterns:binary-star")

export function publish(event: BinaryStarEvent): void {
  if (binaryStarEvents.hasSubscribers) binaryStarEvents.publish(event)
}

export function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ZmqError("EINVAL", `${name} must be an integer >= ${min}, got ${String(value)}`)
  }
}
