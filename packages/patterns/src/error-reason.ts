import { ZmqError } from "omq"

/**
 * What went wrong, for an event's `reason`: a ZmqError's `detail` (its `message` is only
 * zeromq.js's text for the code, "Protocol error"), else the error's message.
 */
export function reasonOf(err: unknown): string {
  if (err instanceof ZmqError) return err.detail || err.message
  return err instanceof Error ? err.message : String(err)
}
