import diagnostics from "node:diagnostics_channel"

/** RFC 6 (PPP): a worker's READY and either side's HEARTBEAT are one frame of one byte. */
export const PPP_READY = Uint8Array.of(0x01)
export const PPP_HEARTBEAT = Uint8Array.of(0x02)

/** RFC 6's defaults: a heartbeat a second, a peer gone after 3 silent ones. */
export const DEFAULT_INTERVAL = 1_000
export const DEFAULT_LIVENESS = 3
/** A worker that lost its queue dials again after 1 s, doubling up to 32 s. */
export const DEFAULT_RECONNECT = 1_000
export const DEFAULT_RECONNECT_MAX = 32_000

/** Whether `frames` is exactly the one-byte command `command`. */
export function isCommand(frames: readonly Uint8Array[], command: Uint8Array): boolean {
  return frames.length === 1 && frames[0]!.byteLength === 1 && frames[0]![0] === command[0]
}

/** What the queue and workers tell `diagnostics_channel` "omq:patterns:paranoid-pirate". */
export type ParanoidPirateEvent =
  | { type: "worker-ready"; worker: string }
  | { type: "worker-expired"; worker: string }
  | { type: "queue-lost"; reconnectIn: number }
  | { type: "reconnected" }
  | { type: "handler-failed"; reason: string }
  | { type: "heartbeat-mismatch"; worker: string; expected: number; observed: number }

export const paranoidPirateEvents = diagnostics.channel("omq:patterns:paranoid-pirate")

export function publish(event: ParanoidPirateEvent): void {
  if (paranoidPirateEvents.hasSubscribers) paranoidPirateEvents.publish(event)
}
