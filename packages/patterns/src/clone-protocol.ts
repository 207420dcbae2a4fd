import diagnostics from "node:diagnostics_channel"
import { ZmqError } from "omq"

/**
 * RFC 12 (CHP). A server has a ROUTER on port P (snapshots), a PUB on P + 1 (updates) and a SUB
 * on P + 2 (collects clients' updates). Every message but ICANHAZ has five frames:
 *
 *   key | sequence (8 bytes, big-endian) | uuid (16 bytes or empty) | properties | value
 *
 * Properties are "name=value\n" lines; an empty value deletes the key. A client asks for a
 * snapshot with `ICANHAZ? subtree` and gets KVSYNC messages, then KTHXBAI carrying the sequence
 * the snapshot is current to. HUGZ on the PUB says the server is alive while it has nothing to
 * publish.
 */
export const CHP_ICANHAZ = "ICANHAZ?"
export const CHP_KTHXBAI = "KTHXBAI"
export const CHP_HUGZ = "HUGZ"

/** The RFC's "e.g. once per second", the guide's HUGZ interval. */
export const DEFAULT_HUGZ_INTERVAL = 1_000
/** The guide's clone client takes a server silent for 5 s (5 HUGZ missed) for dead. */
export const DEFAULT_SERVER_TIMEOUT = 5_000

/** A server's ports, all derived from the snapshot port P as the RFC fixes them. */
export const SNAPSHOT_OFFSET = 0
export const PUBLISHER_OFFSET = 1
export const COLLECTOR_OFFSET = 2

/** One five-frame CHP message (KVSYNC, KVPUB, KVSET, KTHXBAI, HUGZ). */
export interface KvMsg {
  key: string
  sequence: bigint
  /** 16 bytes, or empty when the sender set none. */
  uuid: Buffer
  properties: Readonly<Record<string, string>>
  /** Empty: the key is deleted. */
  value: Buffer
}

/** A key as a client or server holds it. */
export interface CloneEntry {
  value: Buffer
  /** The server's sequence number of the update that set it (0 from servers that send none). */
  sequence: bigint
  uuid: Buffer
  properties: Readonly<Record<string, string>>
}

/** Keys that are commands on some socket: an update may not use them. */
const RESERVED = new Set([CHP_ICANHAZ, CHP_KTHXBAI, CHP_HUGZ])
const EMPTY = Buffer.alloc(0)
const MAX_SEQUENCE = 0xffff_ffff_ffff_ffffn

export function encodeKv(msg: KvMsg): Buffer[] {
  return [
    Buffer.from(msg.key),
    sequenceFrame(msg.sequence),
    msg.uuid,
    Buffer.from(encodeProperties(msg.properties)),
    msg.value,
  ]
}

/** The five frames as a KvMsg. Throws EPROTO when they are not CHP. */
export function decodeKv(frames: readonly Buffer[]): KvMsg {
  if (frames.length !== 5) throw malformed(`${frames.length} frames, not 5`)
  const [key, sequence, uuid, properties, value] = frames as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ]
  if (key.byteLength === 0) throw malformed("empty key")
  if (sequence.byteLength !== 8) throw malformed(`a ${sequence.byteLength}-byte sequence number`)
  if (uuid.byteLength !== 0 && uuid.byteLength !== 16) {
    throw malformed(`a ${uuid.byteLength}-byte uuid`)
  }
  return {
    key: key.toString(),
    sequence: sequence.readBigUInt64BE(),
    uuid,
    properties: parseProperties(properties.toString()),
    value,
  }
}

/** A command message (KTHXBAI, HUGZ): no uuid, no properties. */
export function commandKv(key: string, sequence: bigint, value: Buffer = EMPTY): Buffer[] {
  return encodeKv({ key, sequence, uuid: EMPTY, properties: {}, value })
}

export function sequenceFrame(sequence: bigint): Buffer {
  const frame = Buffer.alloc(8)
  frame.writeBigUInt64BE(sequence)
  return frame
}

export function encodeProperties(properties: Readonly<Record<string, string>>): string {
  return Object.entries(properties)
    .map(([name, value]) => `${name}=${value}\n`)
    .join("")
}

/** "name=value\n"…; the last newline may be missing. Throws EPROTO on a line without a name. */
export function parseProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = {}
  if (text === "") return properties
  const lines = text.split("\n")
  if (lines.at(-1) === "") lines.pop()
  for (const line of lines) {
    const split = line.indexOf("=")
    if (split < 1) throw malformed(`property line "${line.slice(0, 40)}" has no name=`)
    properties[line.slice(0, split)] = line.slice(split + 1)
  }
  return properties
}

/** The `ttl` property in milliseconds, null without one. Throws EPROTO when it is not seconds. */
export function ttlOf(properties: Readonly<Record<string, string>>): number | null {
  const text = properties.ttl
  if (text === undefined) return null
  const seconds = text.trim() === "" ? Number.NaN : Number(text)
  if (!Number.isFinite(seconds) || seconds < 0) throw malformed(`ttl "${text}" is not seconds`)
  return Math.ceil(seconds * 1000)
}

/** Throws EPROTO for an update that uses a command's name as its key. */
export function checkUpdate(update: KvMsg): void {
  if (RESERVED.has(update.key)) throw malformed(`"${update.key}" is a command, not a key`)
}

/** How set() may qualify an update. */
export interface CloneSetOptions {
  /** Seconds until the server deletes the key (unless it is updated first): the `ttl` property. */
  ttl?: number
  /** More properties ("name=value" lines on the wire): names without "=" or newlines. */
  properties?: Readonly<Record<string, string>>
}

/**
 * A user's set() as the frames it needs: key, value bytes, properties. Throws TypeError for the
 * wrong types, EINVAL for values CHP cannot carry (an empty key, a command's name, a bad ttl).
 */
export function toUpdate(
  key: unknown,
  value: unknown,
  options: CloneSetOptions,
): { key: string; value: Buffer; properties: Record<string, string> } {
  if (typeof key !== "string") throw new TypeError(`key must be a string, not ${typeof key}`)
  if (key === "" || RESERVED.has(key)) throw new ZmqError("EINVAL", `"${key}" cannot be a key`)
  if (typeof value !== "string" && !(value instanceof Uint8Array)) {
    throw new TypeError("value must be a string or a Uint8Array")
  }
  const properties: Record<string, string> = {}
  for (const [name, text] of Object.entries(options.properties ?? {})) {
    if (typeof text !== "string") throw new TypeError(`property ${name} must be a string`)
    if (name === "" || /[=\n]/.test(name) || text.includes("\n")) {
      throw new ZmqError("EINVAL", `property ${JSON.stringify(name)} cannot be sent as name=value`)
    }
    properties[name] = text
  }
  if (options.ttl !== undefined) {
    if (typeof options.ttl !== "number") throw new TypeError("ttl must be a number of seconds")
    if (!Number.isFinite(options.ttl) || options.ttl < 0) {
      throw new ZmqError("EINVAL", `ttl must be seconds >= 0, got ${options.ttl}`)
    }
    properties.ttl = String(options.ttl)
  }
  return { key, value: Buffer.from(value), properties }
}

/** The next sequence number; the RFC's 8 bytes do not wrap. */
export function nextSequence(sequence: bigint): bigint {
  if (sequence >= MAX_SEQUENCE) throw new ZmqError("EPROTO", "CHP sequence numbers exhausted")
  return sequence + 1n
}

/** A server's address: its host and snapshot port P. */
export interface CloneAddress {
  host: string
  port: number
}

/**
 * `tcp://host:P` or `{ host, port }` as a checked CloneAddress. `wildcard` allows port 0 or `*`
 * (a server binding any free ports). Throws TypeError for the wrong type, EINVAL for a bad value.
 */
export function parseAddress(spec: unknown, wildcard: boolean): CloneAddress {
  let host: unknown
  let port: unknown
  if (typeof spec === "string") {
    const found = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+|\*)$/.exec(spec)
    if (!found) throw new ZmqError("EINVAL", `"${spec}" is not tcp://host:port`)
    host = found[1]
    port = found[2] === "*" ? 0 : Number(found[2])
  } else if (typeof spec === "object" && spec !== null) {
    ;({ host, port } = spec as { host?: unknown; port?: unknown })
  } else {
    throw new TypeError(`a server is "tcp://host:port" or { host, port }, not ${typeof spec}`)
  }
  if (typeof host !== "string" || host === "") throw new TypeError("host must be a string")
  // P + 2 must be a port too.
  const least = wildcard ? 0 : 1
  if (typeof port !== "number" || !Number.isInteger(port) || port < least || port > 65533) {
    throw new ZmqError("EINVAL", `port must be an integer ${least}..65533, got ${String(port)}`)
  }
  return { host, port }
}

export function endpointOf(address: CloneAddress, offset = SNAPSHOT_OFFSET): string {
  return `tcp://${address.host}:${address.port + offset}`
}

/** What Clone servers and clients tell `diagnostics_channel` "omq:patterns:clone". */
export type CloneEvent =
  /** A snapshot served (server) or applied (client); `endpoint` is the server's snapshot port. */
  | {
      type: "snapshot"
      side: "server" | "client"
      endpoint: string
      subtree: string
      entries: number
      sequence: bigint
    }
  /** An update published (server) or applied (client); `deleted` when its value was empty. */
  | {
      type: "update"
      side: "server" | "client"
      endpoint: string
      key: string
      sequence: bigint
      deleted: boolean
    }
  /** Client: an update whose sequence was not above the last one seen, dropped. */
  | { type: "discarded"; endpoint: string; key: string; sequence: bigint; last: bigint }
  /** Server: a key's ttl ran out; its deletion was published with `sequence`. */
  | { type: "expired"; endpoint: string; key: string; sequence: bigint }
  /** Client: `from` was silent for `timeout` ms; a snapshot is asked of `to` (may be the same). */
  | { type: "failover"; from: string; to: string }
  /** A message that is not CHP, dropped; `socket` is where it came in. */
  | {
      type: "malformed"
      side: "server" | "client"
      endpoint: string
      socket: "snapshot" | "publisher" | "collector"
      reason: string
    }

export const cloneEvents = diagnostics.channel("omq:patterns:clone")

export function publish(event: CloneEvent): void {
  if (cloneEvents.hasSubscribers) cloneEvents.publish(event)
}

export function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ZmqError("EINVAL", `${name} must be an integer >= ${min}, got ${String(value)}`)
  }
}

function malformed(reason: string): ZmqError {
  return new ZmqError("EPROTO", `malformed CHP message: ${reason}`)
}
