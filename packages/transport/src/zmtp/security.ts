import { CurveClient } from "./curve-client.js"
import { CurveServer } from "./curve-server.js"
import type { Mechanism, ZapPolicy } from "./mechanism.js"
import { NullMechanism } from "./null-mechanism.js"
import { PlainMechanism } from "./plain-mechanism.js"

/** A socket's security settings, as one connection needs them. Keys are 32 raw bytes. */
export type Security =
  | { mechanism: "NULL"; zap: ZapPolicy }
  | { mechanism: "PLAIN"; server: true; zap: ZapPolicy }
  | { mechanism: "PLAIN"; server: false; username: Uint8Array; password: Uint8Array }
  | {
      mechanism: "CURVE"
      server: true
      secretKey: Uint8Array
      /** Derived from the secret key when absent (a scalar multiplication per connection). */
      publicKey?: Uint8Array
      zap: ZapPolicy
    }
  | {
      mechanism: "CURVE"
      server: false
      serverKey: Uint8Array
      publicKey: Uint8Array
      secretKey: Uint8Array
    }

export const NULL_SECURITY: Security = {
  mechanism: "NULL",
  zap: { domain: false, enforce: false },
}

/** A fresh mechanism for one connection, announcing `props` in its READY or INITIATE. */
export function mechanismFor(security: Security, props: [string, Uint8Array][]): Mechanism {
  switch (security.mechanism) {
    case "NULL":
      return new NullMechanism(props, security.zap)
    case "PLAIN":
      return security.server ? new PlainMechanism(props, null) : new PlainMechanism(props, security)
    case "CURVE":
      return security.server
        ? new CurveServer(props, security.secretKey, security.zap, security.publicKey)
        : new CurveClient(props, security)
  }
}
