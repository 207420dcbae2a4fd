import diagnostics from "node:diagnostics_channel"
import { type MessageLike, ZmqError } from "omq"

/**
 * Which Majordomo a peer speaks: RFC 7 (MDP/0.1, stable, what most deployed code speaks) or
 * RFC 18 (MDP/0.2, draft: no empty delimiter, and a reply in PARTIALs and one FINAL). The two are
 * incompatible on the wire, but their headers differ, so one broker serves both.
 */
export type MdpVersion = "0.1" | "0.2"

/** RFC 7 (MDP/0.1) headers: the first frame after the empty delimiter says who is speaking. */
export const MDP_CLIENT = "MDPC01"
export const MDP_WORKER = "MDPW01"

/** RFC 7's worker commands, one byte each. */
export const MDP_READY = 0x01
export const MDP_REQUEST = 0x02
export const MDP_REPLY = 0x03
export const MDP_HEARTBEAT = 0x04
export const MDP_DISCONNECT = 0x05

/** RFC 18 (MDP/0.2) headers: the first frame of every message. */
export const MDP02_CLIENT = "MDPC02"
export const MDP02_WORKER = "MDPW02"

/** RFC 18's client commands (the frame after the header). */
export const MDP02_CLIENT_REQUEST = 0x01
export const MDP02_CLIENT_PARTIAL = 0x02
export const MDP02_CLIENT_FINAL = 0x03

/** RFC 18's worker commands. */
export const MDP02_READY = 0x01
export const MDP02_REQUEST = 0x02
export const MDP02_PARTIAL = 0x03
export const MDP02_FINAL = 0x04
export const MDP02_HEARTBEAT = 0x05
export const MDP02_DISCONNECT = 0x06

/** The zguide's defaults (chapter 4, mdbroker/mdwrkapi/mdcliapi). */
export const DEFAULT_HEARTBEAT = 2_500
export const DEFAULT_LIVENESS = 3
export const DEFAULT_RECONNECT = 2_500
/** A queued request waits this long for a worker: a default client's whole patience (4 × 2.5 s). */
export const DEFAULT_REQUEST_TIMEOUT = 10_000

/** A worker command by name; MDP/0.1's REPLY is its only, so final, reply. */
export type WorkerCommand = "ready" | "request" | "partial" | "final" | "heartbeat" | "disconnect"

const WORKER_CODES: Record<MdpVersion, Partial<Record<WorkerCommand, number>>> = {
  "0.1": {
    ready: MDP_READY,
    request: MDP_REQUEST,
    final: MDP_REPLY,
    heartbeat: MDP_HEARTBEAT,
    disconnect: MDP_DISCONNECT,
  },
  "0.2": {
    ready: MDP02_READY,
    request: MDP02_REQUEST,
    partial: MDP02_PARTIAL,
    final: MDP02_FINAL,
    heartbeat: MDP02_HEARTBEAT,
    disconnect: MDP02_DISCONNECT,
  },
}

const WORKER_NAMES: Record<MdpVersion, Map<number, WorkerCommand>> = {
  "0.1": names(WORKER_CODES["0.1"]),
  "0.2": names(WORKER_CODES["0.2"]),
}

/** What a worker sends the broker (after the ROUTER's identity frame). */
export type FromWorker =
  | { command: "ready"; service: string }
  | { command: "partial" | "final"; client: Buffer; body: Buffer[] }
  | { command: "heartbeat" }
  | { command: "disconnect" }

/** What reaches the broker's one ROUTER, identity frame removed, with the version it spoke. */
export type ToBroker =
  | { from: "client"; mdp: MdpVersion; service: string; body: Buffer[] }
  | ({ from: "worker"; mdp: MdpVersion } & FromWorker)

/** What the broker sends a worker. `envelope` is the client's address stack. */
export type ToWorker =
  | { command: "request"; envelope: Buffer[]; body: Buffer[] }
  | { command: "heartbeat" }
  | { command: "disconnect" }

/**
 * A message at the broker. MDP/0.1 starts with an empty delimiter, then `"MDPC01" service body…`
 * or `"MDPW01" command …`; MDP/0.2 starts with its header, `"MDPC02" 0x01 service body…` or
 * `"MDPW02" command …`. Throws EPROTO on anything else.
 */
export function parseToBroker(frames: readonly Buffer[]): ToBroker {
  const mdp: MdpVersion = frames[0]?.byteLength === 0 ? "0.1" : "0.2"
  const [header, ...rest] = mdp === "0.1" ? frames.slice(1) : frames
  const protocol = header?.toString("latin1")
  if (protocol === (mdp === "0.1" ? MDP_CLIENT : MDP02_CLIENT)) {
    let service: Buffer | undefined
    let body: Buffer[]
    if (mdp === "0.1") [service, ...body] = rest
    else {
      const [command, name, ...frames] = rest
      if (command?.byteLength !== 1 || command[0] !== MDP02_CLIENT_REQUEST) {
        throw malformed("an MDPC02 client sends only REQUEST (0x01)")
      }
      service = name
      body = frames
    }
    if (!service || service.byteLength === 0) throw malformed("client request without a service")
    return { from: "client", mdp, service: service.toString(), body }
  }
  if (protocol !== (mdp === "0.1" ? MDP_WORKER : MDP02_WORKER)) {
    throw malformed(mdp === "0.1" ? "unknown protocol header" : "neither a delimiter nor MDPx02")
  }
  const [code, ...args] = rest
  if (code?.byteLength !== 1) throw malformed("worker command is not one byte")
  const command = WORKER_NAMES[mdp].get(code[0]!)
  switch (command) {
    case "ready": {
      const [service] = args
      if (args.length !== 1 || !service || service.byteLength === 0) {
        throw malformed("READY takes one service name")
      }
      return { from: "worker", mdp, command, service: service.toString() }
    }
    case "partial":
    case "final": {
      const [client, delimiter, ...body] = args
      if (!client || client.byteLength === 0 || !delimiter || delimiter.byteLength !== 0) {
        throw malformed("a reply without a client address and delimiter")
      }
      return { from: "worker", mdp, command, client, body }
    }
    case "heartbeat":
    case "disconnect":
      return noArguments(args, { from: "worker", mdp, command })
    default:
      throw malformed(`worker command 0x${code[0]!.toString(16)} is not one a worker sends`)
  }
}

/**
 * A message at a worker's DEALER: `["", "MDPW01", command, …]` (0.1) or `["MDPW02", command, …]`
 * (0.2). Throws EPROTO on anything else, another version's message included.
 */
export function parseToWorker(frames: readonly Buffer[], mdp: MdpVersion = "0.1"): ToWorker {
  if (mdp === "0.1" && frames[0]?.byteLength !== 0) throw malformed("no empty delimiter")
  const [header, code, ...args] = mdp === "0.1" ? frames.slice(1) : frames
  const expected = mdp === "0.1" ? MDP_WORKER : MDP02_WORKER
  if (header?.toString("latin1") !== expected) throw malformed(`not an ${expected} message`)
  if (code?.byteLength !== 1) throw malformed("broker command is not one byte")
  switch (WORKER_NAMES[mdp].get(code[0]!)) {
    case "request": {
      // The client's address stack runs to the first empty frame.
      const split = args.findIndex((f) => f.byteLength === 0)
      if (split < 1) throw malformed("REQUEST without a client address and delimiter")
      return { command: "request", envelope: args.slice(0, split), body: args.slice(split + 1) }
    }
    case "heartbeat":
      return noArguments(args, { command: "heartbeat" })
    case "disconnect":
      return noArguments(args, { command: "disconnect" })
    default:
      throw malformed(`broker command 0x${code[0]!.toString(16)} is not one a broker sends`)
  }
}

/** A reply at a client's REQ (delimiter already removed): `["MDPC01", service, body…]`. */
export function parseClientReply(frames: readonly Buffer[], service: string): Buffer[] {
  const [header, from, ...body] = frames
  if (header?.toString("latin1") !== MDP_CLIENT) throw malformed("not an MDPC01 reply")
  checkService(from, service)
  return body
}

/** A reply at an MDP/0.2 client's DEALER: `["MDPC02", 0x02 PARTIAL | 0x03 FINAL, service, body…]`. */
export function parseClientReply02(
  frames: readonly Buffer[],
  service: string,
): { final: boolean; body: Buffer[] } {
  const [header, code, from, ...body] = frames
  if (header?.toString("latin1") !== MDP02_CLIENT) throw malformed("not an MDPC02 reply")
  const final = code?.byteLength === 1 && code[0] === MDP02_CLIENT_FINAL
  if (!final && (code?.byteLength !== 1 || code[0] !== MDP02_CLIENT_PARTIAL)) {
    throw malformed("an MDPC02 reply is PARTIAL (0x02) or FINAL (0x03)")
  }
  checkService(from, service)
  return { final, body }
}

/** A client's request: for 0.1 as its REQ sends it (REQ adds the delimiter), for 0.2 whole. */
export function clientRequest(
  service: string,
  body: readonly MessageLike[],
  mdp: MdpVersion = "0.1",
): MessageLike[] {
  if (mdp === "0.1") return [MDP_CLIENT, service, ...body]
  return [MDP02_CLIENT, Uint8Array.of(MDP02_CLIENT_REQUEST), service, ...body]
}

/**
 * The broker's answer to `client` (a ROUTER identity) in the client's version. MDP/0.1 has one
 * reply per request, so only a `final` one may be sent to a 0.1 client.
 */
export function clientReply(
  mdp: MdpVersion,
  client: Buffer,
  service: string,
  body: readonly MessageLike[],
  final = true,
): MessageLike[] {
  if (mdp === "0.1") return [client, EMPTY, MDP_CLIENT, service, ...body]
  const code = final ? MDP02_CLIENT_FINAL : MDP02_CLIENT_PARTIAL
  return [client, MDP02_CLIENT, Uint8Array.of(code), service, ...body]
}

/**
 * A worker command as a DEALER sends it (the broker prefixes the worker's identity):
 * `"" "MDPW01" code args…` or `"MDPW02" code args…`. MDP/0.1 has no PARTIAL.
 */
export function workerCommand(
  mdp: MdpVersion,
  command: WorkerCommand,
  ...args: readonly MessageLike[]
): MessageLike[] {
  const code = WORKER_CODES[mdp][command]
  if (code === undefined) throw new ZmqError("EINVAL", `MDP/${mdp} has no ${command} command`)
  if (mdp === "0.1") return [EMPTY, MDP_WORKER, Uint8Array.of(code), ...args]
  return [MDP02_WORKER, Uint8Array.of(code), ...args]
}

/**
 * RFC 8's answer to `mmi.*` service `name`: `mmi.service` says "200" when the service asked for
 * has workers, "404" when not; any other `mmi.*` is "501", not implemented.
 */
export function mmiReply(name: string, known: boolean): string {
  if (name !== "mmi.service") return "501"
  return known ? "200" : "404"
}

/** What the broker and workers tell `diagnostics_channel` "omq:patterns:majordomo". */
export type MajordomoEvent =
  | { type: "worker-ready"; worker: string; service: string; mdp: MdpVersion }
  | { type: "worker-expired"; worker: string; service: string }
  | { type: "worker-disconnected"; worker: string; reason: string }
  | {
      type: "heartbeat-mismatch"
      worker: string
      service: string
      /** The broker's interval, ms. */
      expected: number
      /** The median of the worker's last gaps between HEARTBEATs, ms. */
      observed: number
    }
  | { type: "request-queued"; service: string; waiting: number }
  | { type: "request-expired"; service: string }
  | { type: "request-requeued"; service: string; worker: string }
  | { type: "request-lost"; service: string; worker: string; reason: string }
  | { type: "malformed"; peer: string; reason: string }
  | { type: "broker-lost"; service: string; reason: string; reconnectIn: number }
  | { type: "reconnected"; service: string }
  | { type: "drained"; service: string }

export const majordomoEvents = diagnostics.channel("omq:patterns:majordomo")

export function publish(event: MajordomoEvent): void {
  if (majordomoEvents.hasSubscribers) majordomoEvents.publish(event)
}

const EMPTY = Buffer.alloc(0)

function names(codes: Partial<Record<WorkerCommand, number>>): Map<number, WorkerCommand> {
  return new Map(Object.entries(codes).map(([name, code]) => [code, name as WorkerCommand]))
}

function checkService(from: Buffer | undefined, service: string): void {
  if (from?.toString() !== service) {
    throw malformed(`a reply from "${String(from)}", not "${service}"`)
  }
}

function noArguments<T>(args: readonly Buffer[], parsed: T): T {
  if (args.length > 0) throw malformed("a command without arguments has some")
  return parsed
}

function malformed(reason: string): ZmqError {
  return new ZmqError("EPROTO", `malformed MDP message: ${reason}`)
}
