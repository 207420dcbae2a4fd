import { freelanceEvents } from "./freelance-protocol.js"

/**
 * What the zguide's Freelance models 1 and 2 tell `diagnostics_channel` "omq:patterns:freelance"
 * (model 3's channel; `model` tells these apart from model 3's own events).
 */
export type FreelanceModelEvent =
  /** Model 1: `endpoint` did not answer within the timeout; its socket is closed, the next tried. */
  | { type: "retry"; model: 1; endpoint: string; attempt: number }
  /** Model 1: no server answered in `attempts` tries: the request rejected with EAGAIN. */
  | { type: "abandon"; model: 1; attempts: number }
  /** Model 2: no server answered request `sequence` in time: it rejected with EAGAIN. */
  | { type: "abandon"; model: 2; sequence: number; servers: number }
  /** Model 2: a reply to a request already answered (or given up): dropped. */
  | { type: "stale-reply"; model: 2; sequence: number }
  /** Model 2: a reply that is not `["", sequence, body…]`: dropped. */
  | { type: "malformed"; model: 2 }

export function publishModelEvent(event: FreelanceModelEvent): void {
  if (freelanceEvents.hasSubscribers) freelanceEvents.publish(event)
}
