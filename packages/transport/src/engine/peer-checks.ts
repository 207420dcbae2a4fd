import { ZmqError } from "../errors.js"
import {
  BARE_ZWS,
  type HandshakeResult,
  type SocketType,
  socketTypesCompatible,
  type ZapAnswer,
} from "../zmtp/mod.js"
import type { PeerInfo } from "./engine.js"

/**
 * Who the peer of a finished handshake is, checked against our socket: its type must be one we
 * talk to (ERR_ZMTP_INVALID_METADATA otherwise, as libzmq) and its identity fit a routing id.
 * Runs on the connection's thread, once per connection.
 */

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

function decodeAscii(bytes: Uint8Array | undefined): string {
  return bytes ? String.fromCharCode(...bytes) : ""
}
