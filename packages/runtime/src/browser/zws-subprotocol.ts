import { BARE_ZWS, zwsSubprotocolsOffered } from "@omq/transport/zmtp"

/**
 * Which WebSocket subprotocols a page offers, and what the server's choice means.
 *
 * RFC 45 and libzmq name them `ZWS2.0/NULL`, `ZWS2.0/PLAIN` and `ZWS2.0/CURVE`, but a browser
 * cannot offer those: "/" is not a token character (RFC 6455 §4.1), and Chrome and Firefox
 * throw SyntaxError at `new WebSocket(url, "ZWS2.0/NULL")` (libzmq #4152). What a page can
 * offer libzmq is bare `ZWS2.0`, which libzmq selects with no mechanism: each side's first
 * message is its routing id, then messages flow (no READY, no Socket-Type check).
 *
 * So the RFC names are tried first (a WebSocket that accepts them, outside browsers, gets the
 * mechanism handshake from libzmq), and where they throw, the same names with "-" for "/"
 * (`ZWS2.0-NULL`...) are offered instead: libzmq skips them (it picks the first offer it
 * knows), and a server that knows them, omq's, can run the mechanism, which PLAIN and CURVE
 * need. NULL also offers bare `ZWS2.0`, last.
 */
export type Mechanism = "NULL" | "PLAIN" | "CURVE"

/** False once a WebSocket here refused the RFC names (browsers do): then they are not tried. */
let slashAccepted: boolean | undefined

/** A WebSocket to `url` offering the subprotocols of `mechanism`; throws what WebSocket throws. */
export function openWebSocket(url: string, mechanism: Mechanism): WebSocket {
  if (slashAccepted !== false) {
    try {
      const ws = new WebSocket(url, zwsSubprotocolsOffered(mechanism, "/"))
      slashAccepted = true
      return ws
    } catch (err) {
      if (slashAccepted || (err as Error).name !== "SyntaxError") throw err
    }
  }
  const ws = new WebSocket(url, zwsSubprotocolsOffered(mechanism, "-"))
  slashAccepted = false // only now: the first attempt did not fail for a bad URL
  return ws
}

/**
 * What the server's choice asks of us: run `mechanism`'s handshake, go "bare" (NULL without a
 * mechanism), or null: it chose nothing we offered, and the connection must be dropped.
 */
export function selection(protocol: string, mechanism: Mechanism): Mechanism | "bare" | null {
  if (protocol === `${BARE_ZWS}/${mechanism}` || protocol === `${BARE_ZWS}-${mechanism}`) {
    return mechanism
  }
  return protocol === BARE_ZWS && mechanism === "NULL" ? "bare" : null
}
