import { ZmqError } from "../errors.js"
import {
  BARE_ZWS,
  encodePing,
  type HandshakeResult,
  type SocketType,
  socketTypesCompatible,
  type ZapAnswer,
  ZmtpError,
} from "../zmtp/mod.js"
import type { EngineConfig, PeerInfo } from "./engine.js"

/**
 * What ZmtpEngine and its HandshakePhase need beside their state machines: frames made once,
 * names, the checks of a peer, error mapping.
 */

const IDENTITY_TYPES = new Set<SocketType>(["REQ", "DEALER", "ROUTER"])

/** PING frames by TTL: every connection of a socket sends the same bytes, made once. */
const PINGS = new Map<number, Uint8Array>()
const NO_CONTEXT = new Uint8Array(0)

export function pingFrame(ttlDeciseconds: number): Uint8Array {
  let frame = PINGS.get(ttlDeciseconds)
  if (!frame) {
    frame = encodePing(ttlDeciseconds, NO_CONTEXT)
    PINGS.set(ttlDeciseconds, frame)
  }
  return frame
}

/** The properties our READY (or INITIATE) announces, named as libzmq matches them. */
export function localProperties(config: EngineConfig): [string, Uint8Array][] {
  const props: [string, Uint8Array][] = [["Socket-Type", ascii(config.socketType)]]
  if (IDENTITY_TYPES.has(config.socketType)) {
    props.push(["Identity", config.routingId ?? new Uint8Array(0)])
  }
  props.push(...config.properties)
  return props
}

/** The peer a finished handshake tells of; throws when its socket type or identity does not fit. */
export function checkedPeer(
  socketType: SocketType,
  done: HandshakeResult,
  zap: ZapAnswer | null,
): PeerInfo {
  const peer = done.peer
  const type = decodeAscii(peer.get("socket-type"))
  if (!socketTypesCompatible(socketType, type)) {
    throw new ZmqError(
      "EPROTO",
      `socket type ${type || "(none)"} cannot talk to ${socketType}`,
      undefined,
      "ERR_ZMTP_INVALID_METADATA",
    )
  }
  const identity = peer.get("identity")
  if (identity && identity.byteLength > 255) {
    throw new ZmqError("EPROTO", `peer identity of ${identity.byteLength} bytes exceeds 255`)
  }
  return {
    socketType: type,
    routingId: identity ?? new Uint8Array(0),
    minor: done.peerMinor,
    metadata: peer,
    zap,
  }
}

/** The peer of a bare ZWS2.0 connection, from its first message (its routing id). */
export function bareZwsPeer(frames: Uint8Array[]): PeerInfo {
  const id = frames[0]!
  if (frames.length > 1 || id.byteLength > 255) {
    throw new ZmqError("EPROTO", "bare ZWS2.0: the first message must be a routing id")
  }
  // No type is told: the subprotocol's name stands for it (an empty one means "no handshake").
  return { socketType: BARE_ZWS, routingId: id, minor: 0, metadata: new Map(), zap: null }
}

export function asZmqError(err: unknown): ZmqError {
  if (err instanceof ZmqError) return err
  if (err instanceof ZmtpError) {
    return new ZmqError(err.code, err.message, undefined, err.protocolError, err.zapStatus)
  }
  return new ZmqError("EPROTO", err instanceof Error ? err.message : String(err))
}

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f
  return out
}

function decodeAscii(bytes: Uint8Array | undefined): string {
  return bytes ? String.fromCharCode(...bytes) : ""
}
