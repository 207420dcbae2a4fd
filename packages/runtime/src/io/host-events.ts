import type { ZmqError } from "@omq/transport"

const encoder = new TextEncoder()

/** A monitor event as the host reports it: what happened, where, and any detail. */
export interface HostEvent {
  type: string
  address: string
  interval?: number
  error?: ZmqError
}

/**
 * Encodes an event for an Event record. Events are rare (per connection, not per message), so
 * JSON is fine. An error travels as its code (for protocol errors the ERR_ZMTP_* name
 * zeromq.js reports), its detail, and for a refused handshake the ZAP status.
 */
export function encodeEvent(event: HostEvent): Uint8Array {
  const { error, ...rest } = event
  const wire = error
    ? {
        ...rest,
        error: {
          code: error.protocolError ?? error.code,
          detail: error.detail,
          status: error.status,
        },
      }
    : rest
  return encoder.encode(JSON.stringify(wire))
}
