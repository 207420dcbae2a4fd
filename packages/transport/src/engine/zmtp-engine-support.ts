import { ZmqError } from "../errors.js"
import { encodePing, type SocketType, ZmtpError } from "../zmtp/mod.js"
import type { EngineConfig } from "./engine.js"

/**
 * What ZmtpEngine and its HandshakePhase need beside their state machines: frames made once,
 * the properties we announce, error mapping. The checks of a peer are in peer-checks.ts.
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
