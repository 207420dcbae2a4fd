import diagnostics from "node:diagnostics_channel"
import { type MessageLike, ZmqError } from "omq"

/** RFC 7 (MDP/0.1) headers: the first frame after the empty delimiter says who is speaking. */
export const MDP_CLIENT = "MDPC01"
export const MDP_WORKER = "MDPW01"

/** RFC 7's worker commands, one byte each. */
export const MDP_READY = 0x01
export const MDP_REQUEST = 0x02
export const MDP_REPLY = 0x03
export const MDP_HEARTBEAT = 0x04
export const MDP_DISCONNECT = 0x05

/** The zguide's defaults (chapter 4, mdbroker/mdwrkapi/mdcliapi). */
export const DEFAULT_HEARTBEAT = 2_500
export const DEFAULT_LIVENESS = 3
export const DEFAULT_RECONNECT = 2_500
/** A queued request waits this long for a worker: a default client's whole patience (4 × 2.5 s). */
export const DEFAULT_REQUEST_TIMEOUT = 10_000

/** What a worker sends the broker (after the ROUTER's identity frame). */
export type FromWorker =
  | { command: "ready"; service: string }
  | { command: "reply"; client: Buffer; body: Buffer[] }
  | { command: "heartbeat" }
  | { command: "disconnect" }

/** What reaches the broker's one ROUTER, identity frame removed. */
export type ToBroker =
  | { from: "client"; service: string; body: Buffer[] }
  | ({ from: "worker" } & FromWorker)

/** What the broker sends a worker. `envelope` is the client's address stack. */
export type ToWorker =
  | { command: "request"; envelope: Buffer[]; body: Buffer[] }
  | { command: "heartbeat" }
  | { command: "disconnect" }

/**
 * A message at the broker: `["", "MDPC01", service, body…]` from a client,
 * `["", "MDPW01", command, …]` from a worker. Throws EPROTO on anything else.
 */
export function parseToBroker(frames: readonly Buffer[]): ToBroker {
  const [empty, header, ...rest] = frames
  if (empty?.byteLength !== 0) throw malformed("no empty delimiter")
  const protocol = header?.toString("latin1")
  if (protocol === MDP_CLIENT) {
    const [service, ...body] = rest
    if (!service || service.byteLength === 0) throw malformed("client request without a service")
    return { from: "client", service: service.toString(), body }
  }
  if (protocol !== MDP_WORKER) throw malformed(`unknown protocol header`)
  const [command, ...args] = rest
  if (command?.byteLength !== 1) throw malformed("worker command is not one byte")
  switch (command[0]) {
    case MDP_READY: {
      const [service] = args
      if (args.length !== 1 || !service || service.byteLength === 0) {
        throw malformed("READY takes one service name")
      }
      return { from: "worker", command: "ready", service: service.toString() }
    }
    case MDP_REPLY: {
      const [client, delimiter, ...body] = args
      if (!client || client.byteLength === 0 || !delimiter || delimiter.byteLength !== 0) {
        throw malformed("REPLY without a client address and delimiter")
      }
      return { from: "worker", command: "reply", client, body }
    }
    case MDP_HEARTBEAT:
      return noArguments(args, { from: "worker", command: "heartbeat" })
    case MDP_DISCONNECT:
      return noArguments(args, { from: "worker", command: "disconnect" })
    default:
      throw malformed(`worker command 0x${command[0]!.toString(16)} is not one a worker sends`)
  }
}

/** A message at a worker's DEALER: `["", "MDPW01", command, …]`. Throws EPROTO on anything else. */
export function parseToWorker(frames: readonly Buffer[]): ToWorker {
  const [empty, header, command, ...args] = frames
  if (empty?.byteLength !== 0) throw malformed("no empty delimiter")
  if (header?.toString("latin1") !== MDP_WORKER) throw malformed("not an MDPW01 message")
  if (command?.byteLength !== 1) throw malformed("broker command is not one byte")
  switch (command[0]) {
    case MDP_REQUEST: {
      // The client's address stack runs to the first empty frame.
      const split = args.findIndex((f) => f.byteLength === 0)
      if (split < 1) throw malformed("REQUEST without a client address and delimiter")
      return { command: "request", envelope: args.slice(0, split), body: args.slice(split + 1) }
    }
    case MDP_HEARTBEAT:
      return noArguments(args, { command: "heartbeat" })
    case MDP_DISCONNECT:
      return noArguments(args, { command: "disconnect" })
    default:
      throw malformed(`broker command 0x${command[0]!.toString(16)} is not one a broker sends`)
  }
}

/** A reply at a client's REQ (delimiter already removed): `["MDPC01", service, body…]`. */
export function parseClientReply(frames: readonly Buffer[], service: string): Buffer[] {
  const [header, from, ...body] = frames
  if (header?.toString("latin1") !== MDP_CLIENT) throw malformed("not an MDPC01 reply")
  if (from?.toString() !== service)
    throw malformed(`a reply from "${String(from)}", not "${service}"`)
  return body
}

/** A client's request as its REQ sends it (REQ adds the empty delimiter). */
export function clientRequest(service: string, body: readonly MessageLike[]): MessageLike[] {
  return [MDP_CLIENT, service, ...body]
}

/** The broker's answer to `client` (a ROUTER identity). */
export function clientReply(client: Buffer, service: string, body: readonly Buffer[]): Buffer[] {
  return [client, EMPTY, Buffer.from(MDP_CLIENT), Buffer.from(service), ...body]
}

/** A worker command as its DEALER sends it; the broker prefixes the worker's identity. */
export function workerCommand(command: number, ...args: readonly MessageLike[]): MessageLike[] {
  return ["", MDP_WORKER, Uint8Array.of(command), ...args]
}

/** What the broker and workers tell `diagnostics_channel` "omq:patterns:majordomo". */
export type MajordomoEvent =
  | { type: "worker-ready"; worker: string; service: string }
  | { type: "worker-expired"; worker: string; service: string }
  | { type: "worker-disconnected"; worker: string; reason: string }
  | { type: "request-queued"; service: string; waiting: number }
  | { type: "request-expired"; service: string }
  | { type: "malformed"; peer: string; reason: string }
  | { type: "broker-lost"; service: string; reason: string; reconnectIn: number }
  | { type: "reconnected"; service: string }

export const majordomoEvents = diagnostics.channel("omq:patterns:majordomo")

export function publish(event: MajordomoEvent): void {
  if (majordomoEvents.hasSubscribers) majordomoEvents.publish(event)
}

const EMPTY = Buffer.alloc(0)

function noArguments<T>(args: readonly Buffer[], parsed: T): T {
  if (args.length > 0) throw malformed("a command without arguments has some")
  return parsed
}

function malformed(reason: string): ZmqError {
  return new ZmqError("EPROTO", `malformed MDP message: ${reason}`)
}
