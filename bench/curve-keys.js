// CURVE keys for a bench's children: the parent makes one server and one client key pair and
// passes them to both children as one command-line value (`--keys`); each child takes the
// socket options of its side. The option names are the same in omq and zeromq.js.
import { curveKeyPair } from "omq"

/**
 * A server and a client key pair as one command-line value: JSON, which never starts with "-"
 * (a Z85 key may, and parseArgs would take it for an option) and needs no escaping (Z85 has
 * no quote or backslash).
 */
export const newCurveKeys = () => JSON.stringify({ server: curveKeyPair(), client: curveKeyPair() })

/**
 * The socket options of `side` ("server" or "client") for `keys` from newCurveKeys(); none
 * (a NULL socket) when `keys` is empty.
 */
export function curveOptions(keys, side) {
  if (!keys) return {}
  const { server, client } = JSON.parse(keys)
  if (side === "server")
    return { curveServer: true, curvePublicKey: server.publicKey, curveSecretKey: server.secretKey }
  return {
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
  }
}
