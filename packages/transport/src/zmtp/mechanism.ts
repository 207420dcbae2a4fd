import type { Command } from "./command.js"
import type { ProtocolErrorName, ZmtpError } from "./errors.js"
import type { Metadata } from "./metadata.js"

/** What a server mechanism asks its ZAP handler (RFC 27); the socket adds domain and address. */
export interface ZapQuery {
  mechanism: "NULL" | "PLAIN" | "CURVE"
  credentials: Uint8Array[]
}

/** A ZAP handler's answer. `status` is "200", "300", "400" or "500". */
export interface ZapAnswer {
  status: string
  text: string
  userId: Uint8Array
  /** Properties the handler adds to every message of the connection. */
  metadata: Metadata
  /** Set when the handler's reply broke RFC 27: the handshake fails with this protocol error. */
  malformed?: ProtocolErrorName
}

/** What the engine must do after a mechanism step. */
export interface MechanismStep {
  /** Whole frames to write, in order. */
  send: Uint8Array[]
  /** Set once the handshake is complete: the peer's READY (or INITIATE) properties. */
  peer?: Metadata
  /** Ask the ZAP handler, then call `onZap` with its answer; nothing else happens meanwhile. */
  zap?: ZapQuery
  /** The handshake failed after `send` (an ERROR command) is written: close with this. */
  failure?: ZmtpError
}

/**
 * How messages travel once a handshake is done. NULL and PLAIN send frames as they are; CURVE
 * boxes each frame in a MESSAGE.
 */
export interface MessageCipher {
  /** Overhead a sealed frame adds to its body. */
  readonly overhead: number
  /** Boxes one frame: `flags` carries MORE (bit 0) and COMMAND (bit 1). Returns the MESSAGE body. */
  seal(flags: number, body: Uint8Array): Uint8Array
  /** As seal(), written into `target` from `at` (body + overhead bytes): no copy of its own. */
  sealInto(flags: number, body: Uint8Array, target: Uint8Array, at: number): void
  /**
   * Opens a MESSAGE body; the frame's flags and its plaintext (a view of memory nobody else is
   * given, which the caller may keep).
   */
  open(message: Uint8Array): { flags: number; body: Uint8Array }
  /** The connection ended: key material is wiped. Nothing is sealed or opened after. */
  dispose(): void
}

/** A security handshake (NULL, PLAIN, CURVE), driven by the engine with command frames. */
export interface Mechanism {
  readonly name: "NULL" | "PLAIN" | "CURVE"
  /** Our greeting's as-server bit. */
  readonly asServer: boolean
  /**
   * The largest command body this mechanism accepts during the handshake. A peer that
   * announces more is dropped before anything is allocated for it.
   */
  readonly maxCommandSize: number
  start(): MechanismStep
  onCommand(command: Command): MechanismStep
  /** The ZAP handler's answer, or null when no handler is bound. */
  onZap(answer: ZapAnswer | null): MechanismStep
  /**
   * Work the next step will need, done once this step's commands are written: the peer is busy
   * with them meanwhile, so the work leaves the handshake's critical path. Never throws; a
   * step recomputes what is missing. Optional.
   */
  prepare?(): void
  /** After the handshake: how messages are framed (null: as they are). */
  cipher(): MessageCipher | null
}

/** ZAP status → libzmq's numeric code for events, or undefined for 200. */
export function zapFailureStatus(status: string): 300 | 400 | 500 | undefined {
  if (status === "200") return undefined
  if (status === "300") return 300
  if (status === "400") return 400
  return 500
}

/** When a server mechanism asks ZAP, from the socket's zapDomain and zapEnforceDomain. */
export interface ZapPolicy {
  /** zapDomain is set (libzmq's zap_required). */
  domain: boolean
  /** zapEnforceDomain: no handler means failure instead of acceptance. */
  enforce: boolean
}

/** The largest READY / INITIATE accepted: properties are small, and bounded here. */
export const MAX_METADATA_COMMAND = 64 * 1024
