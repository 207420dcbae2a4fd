import diagnostics from "node:diagnostics_channel"
import { ZmqError } from "omq"

/**
 * RFC 10 (FLP), as the zguide's model 3 speaks it: ROUTER on both sides, a server's routing id
 * is its public endpoint. A client sends `PING` (one frame) and the server answers `PONG`; a
 * request is `[sequence, body…]` and its reply `[sequence, reply…]`, the same sequence.
 */
export const FLP_PING = "PING"
export const FLP_PONG = "PONG"

/** The zguide's model 3: a ping every 2 s, a server dead after 6 s of silence, 3 s a request. */
export const DEFAULT_TIMEOUT = 3_000
export const DEFAULT_PING_INTERVAL = 2_000
export const DEFAULT_SERVER_TTL = 6_000

/** Whether `frame` is exactly the text `command` (PING or PONG). */
export function isCommand(frame: Uint8Array | undefined, command: string): boolean {
  return frame !== undefined && Buffer.from(frame).toString("latin1") === command
}

/** What Freelance clients and servers tell `diagnostics_channel` "omq:patterns:freelance". */
export type FreelanceEvent =
  /** A server answered (a PONG or a reply) after being unknown or expired. */
  | { type: "server-alive"; endpoint: string }
  /** A server was silent for `serverTtl`: no request goes to it until it answers again. */
  | { type: "server-expired"; endpoint: string }
  /** `endpoint` did not answer request `sequence` in time (or expired): the next server is tried. */
  | { type: "retry"; endpoint: string; sequence: number }
  /** No server answered request `sequence`: it rejected with EAGAIN after `tried` servers. */
  | { type: "abandon"; sequence: number; tried: number }
  /** A reply to a request no longer waiting (answered, abandoned or aborted): dropped. */
  | { type: "stale-reply"; endpoint: string; sequence: number }
  /** A server's handler threw: that request gets no reply (the client tries another server). */
  | { type: "handler-failed"; endpoint: string; error: unknown }
  /** A message that is not FLP (no control frame, or a sequence that is not a number). */
  | { type: "malformed"; endpoint: string }

export const freelanceEvents = diagnostics.channel("omq:patterns:freelance")

export function publish(event: FreelanceEvent): void {
  if (freelanceEvents.hasSubscribers) freelanceEvents.publish(event)
}

export function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ZmqError("EINVAL", `${name} must be an integer >= ${min}, got ${String(value)}`)
  }
}
