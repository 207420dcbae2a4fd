/**
 * Which ZWS 2.0 subprotocol a ws connection speaks: `ZWS2.0/<mechanism>` runs that mechanism's
 * handshake; bare `ZWS2.0` has none (each side's first message is its routing id). Pure.
 *
 * libzmq's client offers "ZWS2.0/NULL,ZWS2.0" and its server takes the first it supports. A
 * server here takes the one naming its own mechanism whenever it is offered: bare ZWS2.0 toward
 * libzmq with heartbeats on makes libzmq abort (../shared/ZMTP-NOTES.md, "WebSocket").
 * Browsers cannot offer a name with "/", so omq's pages offer "ZWS2.0-<mechanism>", which an omq
 * server takes as the same (libzmq does not know it and skips it).
 */
export const BARE_ZWS = "ZWS2.0"

export type ZwsMechanism = "NULL" | "PLAIN" | "CURVE"

/**
 * What a client offers, in order of preference. `separator` "-" gives the names a browser can
 * offer ("/" is not allowed there): omq's servers take them as the same.
 */
export function zwsSubprotocolsOffered(
  mechanism: ZwsMechanism,
  separator: "/" | "-" = "/",
): string[] {
  const named = `${BARE_ZWS}${separator}${mechanism}`
  return mechanism === "NULL" ? [named, BARE_ZWS] : [named]
}

export interface ZwsChoice {
  /** The subprotocol to select in the upgrade's answer. */
  protocol: string
  /** Bare ZWS2.0: routing ids instead of a mechanism. */
  bare: boolean
}

/** The server's pick among `offered` (the header's values), or null: none can be served. */
export function chooseZwsSubprotocol(
  offered: readonly string[],
  mechanism: ZwsMechanism,
): ZwsChoice | null {
  const named = `${BARE_ZWS}/${mechanism}`
  if (offered.includes(named)) return { protocol: named, bare: false }
  // Browsers cannot offer "/" in a subprotocol (not an HTTP token character): omq/browser offers
  // "ZWS2.0-<mechanism>" for the same, which libzmq does not know (and skips).
  const dashed = `${BARE_ZWS}-${mechanism}`
  if (offered.includes(dashed)) return { protocol: dashed, bare: false }
  // Bare ZWS2.0 has no mechanism: only a NULL socket can serve it.
  if (mechanism === "NULL" && offered.includes(BARE_ZWS)) return { protocol: BARE_ZWS, bare: true }
  return null
}
