import type { IncomingMessage } from "node:http"
import type { Socket } from "node:net"
import type { WebSocket } from "ws"
import { formatWs, type WsEndpoint } from "../endpoint.js"
import type { Dialer } from "../engine/connecter.js"
import { BARE_ZWS, type ZwsMechanism, zwsSubprotocolsOffered } from "../zmtp/mod.js"
import { guardAgainstFragments } from "./fragment-guard.js"
import { WsCarrier } from "./ws-carrier.js"
import { loadWs, type WsPackage } from "./ws-package.js"

/** TLS settings of a wss client (PEM text), as the socket's wss* options give them. */
export interface WssClientOptions {
  ca?: string | undefined
  servername?: string | undefined
  /** False only for tests against a self-signed server. */
  rejectUnauthorized: boolean
}

export interface WsDialOptions {
  mechanism: ZwsMechanism
  /** Largest message accepted; 0 for no limit. */
  maxPayload: number
  /** Milliseconds the upgrade may take; 0 for no limit. */
  upgradeTimeout: number
  tls: WssClientOptions | null
}

/**
 * Dials ws or wss: offers the subprotocols of the socket's mechanism (NULL also bare ZWS2.0, as
 * libzmq's client does) and hands on the opened WebSocket as a WsCarrier.
 */
export function wsDialer(ep: WsEndpoint, options: WsDialOptions): Dialer {
  const url = formatWs(ep.transport, ep.host, ep.port, ep.path)
  return {
    delayed: true,
    dial(open, fail) {
      // `ws` loads on the first dial (see ws-package.ts); a cancel may come meanwhile.
      let ws: WebSocket | null = null
      let cancelled = false
      const start = ({ WebSocket }: WsPackage): void => {
        if (cancelled) return
        // Offered in a header of our own, and the answer taken before `ws` checks it: `ws` refuses
        // "ZWS2.0/NULL" ("/" is not an HTTP token character), which libzmq's server selects.
        const offered = zwsSubprotocolsOffered(options.mechanism)
        const client = new WebSocket(url, {
          headers: { "Sec-WebSocket-Protocol": offered.join(",") },
          perMessageDeflate: false,
          maxPayload: options.maxPayload,
          generateMask: zeroMask,
          autoPong: false, // see WsCarrier
          ...(options.upgradeTimeout > 0 ? { handshakeTimeout: options.upgradeTimeout } : {}),
          ...(options.tls ?? {}),
        })
        ws = client
        let socket: Socket | null = null
        let selected: string | undefined
        client.once("upgrade", (res: IncomingMessage) => {
          selected = res.headers["sec-websocket-protocol"]
          delete res.headers["sec-websocket-protocol"]
          // As libzmq's client: exactly one of the offered subprotocols, or no connection.
          if (selected === undefined || !offered.includes(selected)) {
            client.terminate()
            return
          }
          socket = res.socket as Socket
          socket.unref() // attempts never hold a thread: a waiting call does
        })
        const onError = (): void => {
          client.terminate()
          fail()
        }
        client.once("error", onError)
        client.once("open", () => {
          client.off("error", onError)
          const carrier = new WsCarrier(client, socket!, selected === BARE_ZWS, true)
          // Only now: `ws` has put back what came with the upgrade's answer, and a listener added
          // earlier would take those bytes from it.
          guardAgainstFragments(socket!, (before) => carrier.refuseFragment(before))
          open(carrier)
        })
      }
      loadWs().then(start, () => cancelled || fail())
      return () => {
        cancelled = true
        ws?.terminate()
      }
    },
  }
}

/**
 * Client frames carry a masking key of zeros (ZwsOutput writes the data frames the same way): still masked frames, as servers require, but
 * neither side spends a pass over each payload (`ws` skips XOR with zeros). Random keys guard
 * proxies against frames chosen by untrusted scripts in browsers; a Node process's frames are
 * its own. Browsers mask with random keys themselves.
 */
function zeroMask(mask: Buffer): void {
  mask.fill(0)
}
