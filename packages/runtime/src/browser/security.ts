import { type Mechanism, NullMechanism, PlainMechanism, ZmqError } from "@omq/transport/zmtp"
import { utf8 } from "./frames.js"

/**
 * How a browser socket secures its connections: the mechanism named in the WebSocket
 * subprotocol (ZWS2.0/NULL, ZWS2.0/PLAIN, ZWS2.0/CURVE) and a fresh client mechanism per
 * connection. Made by plainClient() or curveClient() (curve.ts); a socket without one uses NULL.
 * Each is its own export so that a page which never names one does not bundle its code.
 */
export interface Security {
  readonly mechanism: "NULL" | "PLAIN" | "CURVE"
  /** A client mechanism for one connection, announcing `properties` in its READY/INITIATE. @internal */
  create(properties: [string, Uint8Array][]): Mechanism
}

export const NULL_SECURITY: Security = {
  mechanism: "NULL",
  create: (properties) => new NullMechanism(properties),
}

/** PLAIN (RFC 24) credentials, sent in clear: use it over wss only. */
export function plainClient(username: string, password: string): Security {
  const credentials = { username: utf8(username), password: utf8(password) }
  if (credentials.username.byteLength > 255 || credentials.password.byteLength > 255) {
    throw new ZmqError("EINVAL", "PLAIN username and password are at most 255 bytes each")
  }
  return {
    mechanism: "PLAIN",
    create: (properties) => new PlainMechanism(properties, credentials),
  }
}
