// One monitor event as a line of text (omq monitor, and cat --verbose on stderr).
import type { Event, EventType } from "omq"

/** Every event a socket reports (all but `end`, which only says the observer closed). */
export const EVENT_TYPES: readonly EventType[] = [
  "accept",
  "accept:error",
  "bind",
  "bind:error",
  "connect",
  "connect:delay",
  "connect:retry",
  "close",
  "close:error",
  "disconnect",
  "handshake",
  "handshake:error:protocol",
  "handshake:error:auth",
  "handshake:error:other",
]

/** `2026-12-01T10:00:00.000Z handshake tcp://127.0.0.1:5555`, and the error of a failure. */
export function eventLine(event: Event, at: Date = new Date()): string {
  const parts = [at.toISOString(), event.type]
  if ("address" in event) parts.push(event.address)
  if ("interval" in event) parts.push(`in ${event.interval} ms`)
  if ("error" in event) {
    const { code, status, message, detail } = event.error
    parts.push(status === undefined ? code : `${code} ZAP ${status}`)
    parts.push(`(${detail && detail !== message ? `${message}: ${detail}` : message})`)
  }
  return parts.join(" ")
}

/** The event as one JSON object, for `omq monitor --json`. */
export function eventJson(event: Event, at: Date = new Date()): string {
  const { type } = event
  const record: Record<string, unknown> = { time: at.toISOString(), type }
  if ("address" in event) record.address = event.address
  if ("interval" in event) record.interval = event.interval
  if ("error" in event) {
    const { code, status, message, detail } = event.error
    record.error = { code, status, message, detail }
  }
  return JSON.stringify(record)
}
