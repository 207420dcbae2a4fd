import { type Security, z85Decode } from "@omq/transport"
import { loadSodium } from "@omq/transport/zmtp"

/**
 * A connection's security settings as they travel from the socket to its host, inside the
 * connection options (JSON): keys as Z85 text, checked by the socket already.
 */
export interface ConnectionSecurity {
  mechanism: "NULL" | "PLAIN" | "CURVE"
  server: boolean
  username: string
  password: string
  publicKey: string | null
  secretKey: string | null
  serverKey: string | null
  zapDomain: boolean
  zapEnforce: boolean
}

/** The engine's form, made on the host: keys as bytes. */
export function securityOf(c: ConnectionSecurity): Security {
  const zap = { domain: c.zapDomain, enforce: c.zapEnforce }
  const utf8 = (text: string) => new TextEncoder().encode(text)
  switch (c.mechanism) {
    case "NULL":
      return { mechanism: "NULL", zap }
    case "PLAIN":
      return c.server
        ? { mechanism: "PLAIN", server: true, zap }
        : {
            mechanism: "PLAIN",
            server: false,
            username: utf8(c.username),
            password: utf8(c.password),
          }
    case "CURVE":
      return c.server
        ? {
            mechanism: "CURVE",
            server: true,
            secretKey: z85Decode(c.secretKey!),
            publicKey: c.publicKey ? z85Decode(c.publicKey) : undefined,
            zap,
          }
        : {
            mechanism: "CURVE",
            server: false,
            serverKey: z85Decode(c.serverKey!),
            publicKey: z85Decode(c.publicKey!),
            secretKey: z85Decode(c.secretKey!),
          }
  }
}

/**
 * Called on the host's thread at bind() and connect(): a CURVE socket starts loading libsodium
 * there now, so that it is ready by the end of the first handshake. Until it is, tweetnacl
 * seals (~3× slower), and a sender's messages queued during the handshake were all sealed so.
 */
export function prepareSecurity(c: ConnectionSecurity): void {
  if (c.mechanism === "CURVE") void loadSodium()
}
