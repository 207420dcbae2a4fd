import { ZmqError, z85Decode, z85Encode } from "@omq/transport"
import { publicKeyOf } from "@omq/transport/zmtp"
import type { ConnectionSecurity } from "../io/connection-security.js"
import type { SocketOptions } from "./options.js"

/** The mechanism a socket's options select, and its role. */
export interface SelectedMechanism {
  name: "NULL" | "PLAIN" | "CURVE"
  server: boolean
}

export const NULL_MECHANISM: SelectedMechanism = { name: "NULL", server: false }

/**
 * The mechanism after setting one option, as libzmq decides it: the last security option set
 * wins. PLAIN options select PLAIN (a null username or password goes back to NULL), CURVE
 * options select CURVE, and a server key makes a client.
 */
export function mechanismAfter(
  name: keyof SocketOptions,
  value: unknown,
  current: SelectedMechanism,
): SelectedMechanism {
  switch (name) {
    case "plainServer":
      return { name: "PLAIN", server: value === true }
    case "plainUsername":
    case "plainPassword":
      return value === null ? NULL_MECHANISM : { name: "PLAIN", server: false }
    case "curveServer":
      return { name: "CURVE", server: value === true }
    case "curvePublicKey":
    case "curveSecretKey":
      return value === null ? current : { name: "CURVE", server: current.server }
    case "curveServerKey":
      return value === null ? current : { name: "CURVE", server: false }
    default:
      return current
  }
}

/**
 * What a connection needs to run the selected mechanism, checked now so that a socket missing
 * a key fails at bind() or connect() with EINVAL instead of in every handshake.
 */
export function connectionSecurity(
  o: SocketOptions,
  selected: SelectedMechanism,
): ConnectionSecurity {
  const { name, server } = selected
  if (name === "CURVE") {
    if (!o.curveSecretKey) throw missing("curveSecretKey")
    if (!server && !o.curveServerKey) throw missing("curveServerKey")
    if (!server && !o.curvePublicKey) throw missing("curvePublicKey")
  }
  return {
    mechanism: name,
    server,
    username: o.plainUsername ?? "",
    password: o.plainPassword ?? "",
    // A server's own public key is derived here, once per bind, not per connection.
    publicKey: name === "CURVE" && server ? serverPublicKey(o.curveSecretKey!) : o.curvePublicKey,
    secretKey: o.curveSecretKey,
    serverKey: o.curveServerKey,
    zapDomain: o.zapDomain !== "",
    zapEnforce: o.zapEnforceDomain,
  }
}

function serverPublicKey(secretKey: string): string {
  return z85Encode(publicKeyOf(z85Decode(secretKey)))
}

function missing(option: string): ZmqError {
  return new ZmqError("EINVAL", `CURVE needs the ${option} option`)
}
