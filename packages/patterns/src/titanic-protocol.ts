import { randomBytes } from "node:crypto"
import diagnostics from "node:diagnostics_channel"
import { ZmqError } from "omq"

/**
 * RFC 9 (TSP): three Majordomo services. `titanic.request` takes `[service, body…]` and answers
 * `[status, uuid]`; `titanic.reply` takes `[uuid]` and answers `[status, body…]`;
 * `titanic.close` takes `[uuid]` and answers `[status]`.
 */
export const TITANIC_REQUEST = "titanic.request"
export const TITANIC_REPLY = "titanic.reply"
export const TITANIC_CLOSE = "titanic.close"

/**
 * RFC 9's status codes, sent as bare three digits (the zguide's clients compare the frame with
 * "200" exactly, though RFC 9 allows text after a space).
 */
export const TITANIC_OK = "200"
/** The reply is not there yet: ask again later. */
export const TITANIC_PENDING = "300"
/** An unknown or invalid UUID (or request): asking again will not help. */
export const TITANIC_UNKNOWN = "400"
/** The server failed (a store write): ask again later. */
export const TITANIC_ERROR = "500"

export type TitanicStatus = "200" | "300" | "400" | "500"

/** The zguide's titanic walks its pending requests about once a second. */
export const DEFAULT_RETRY_INTERVAL = 1_000
/** How long the dispatcher waits for a service's reply (MDP's client default). */
export const DEFAULT_DISPATCH_TIMEOUT = 2_500
/** How often TitanicClient.call() asks titanic.reply again while the reply is pending. */
export const DEFAULT_POLL_INTERVAL = 100

/** A service name longer than this is refused: MDP names are short, and it bounds a file. */
export const MAX_SERVICE_LENGTH = 255

const UUID = /^[0-9a-f]{32}$/i

/**
 * A fresh UUID, 32 lowercase hex characters, laid out as UUIDv7: 48 bits of milliseconds first,
 * so sorting UUIDs sorts requests by age (the store needs no other clock to replay in order).
 */
export function newUuid(now = Date.now()): string {
  const bytes = randomBytes(16)
  bytes.writeUIntBE(now, 0, 6)
  bytes[6] = (bytes[6]! & 0x0f) | 0x70
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  return bytes.toString("hex")
}

/** `frame` as a UUID in lowercase, or null when it is not 32 hex characters. */
export function parseUuid(frame: Uint8Array | string | undefined): string | null {
  if (frame === undefined) return null
  const text = typeof frame === "string" ? frame : Buffer.from(frame).toString("latin1")
  return UUID.test(text) ? text.toLowerCase() : null
}

/** Why `frame` cannot be a service name (RFC 9: a printable string), or null when it can. */
export function checkServiceName(frame: Buffer | undefined): string | null {
  if (!frame || frame.byteLength === 0) return "no service name"
  if (frame.byteLength > MAX_SERVICE_LENGTH) {
    return `a service name longer than ${MAX_SERVICE_LENGTH} bytes`
  }
  for (const byte of frame) if (byte < 0x20 || byte === 0x7f) return "an unprintable service name"
  return null
}

/**
 * The status a TSP reply starts with: its first three characters (RFC 9 lets text follow after
 * a space, and a client must not read it). Throws EPROTO when it is not one of RFC 9's four.
 */
export function parseStatus(frame: Uint8Array | undefined): TitanicStatus {
  const text = frame ? Buffer.from(frame).toString("latin1") : ""
  const code = text.slice(0, 3)
  if ((text.length === 3 || text[3] === " ") && /^[2-5]00$/.test(code)) {
    return code as TitanicStatus
  }
  throw new ZmqError("EPROTO", `not a TSP status: ${JSON.stringify(text.slice(0, 40))}`)
}

/** The error a non-200 answer becomes on the client: 400 is EINVAL/ENOENT, 500 is EAGAIN. */
export function statusError(status: TitanicStatus, what: string, code: "EINVAL" | "ENOENT") {
  if (status === TITANIC_ERROR) {
    return new ZmqError(
      "EAGAIN",
      `${what}: the Titanic server failed (500)`,
      undefined,
      undefined,
      500,
    )
  }
  if (status === TITANIC_UNKNOWN) {
    return new ZmqError(code, `${what}: refused as unknown (400)`, undefined, undefined, 400)
  }
  return new ZmqError("EPROTO", `${what}: unexpected status ${status}`)
}

/** What a Titanic server tells `diagnostics_channel` "omq:patterns:titanic". */
export type TitanicEvent =
  /** A request was stored (and synced): its client got 200 and its UUID. */
  | { type: "stored"; uuid: string; service: string }
  /** A stored request was sent to its service (`attempt` 1 is the first time). */
  | { type: "dispatched"; uuid: string; service: string; attempt: number }
  /** Its service answered and the reply was stored: titanic.reply now answers 200. */
  | { type: "replied"; uuid: string; service: string }
  /** A request was not answered this time (no worker, no reply in time, a store failure). */
  | { type: "deferred"; uuid: string; service: string; reason: string }
  /** A client closed a UUID: its request and reply are gone. */
  | { type: "closed"; uuid: string }
  /** The retry timer fired: `pending` requests are walked again. */
  | { type: "retry"; pending: number }
  /** A TSP request that is not one (no service, a bad UUID): answered 400. */
  | { type: "malformed"; service: string; reason: string }
  /** The store failed a client's call: answered 500. */
  | { type: "store-failed"; service: string; reason: string }

export const titanicEvents = diagnostics.channel("omq:patterns:titanic")

export function publish(event: TitanicEvent): void {
  if (titanicEvents.hasSubscribers) titanicEvents.publish(event)
}

export function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ZmqError("EINVAL", `${name} must be an integer >= ${min}, got ${String(value)}`)
  }
}
