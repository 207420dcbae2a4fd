import { once } from "node:events"
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http"
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https"
import type { Socket } from "node:net"
import type { Duplex } from "node:stream"
import { Server as TlsServer } from "node:tls"
import { WebSocketServer } from "ws"
import { formatWs, type WsEndpoint } from "../endpoint.js"
import type { Listener } from "../engine/listener.js"
import { serve } from "../engine/listener.js"
import { chooseZwsSubprotocol, type ZwsChoice, type ZwsMechanism } from "../zmtp/mod.js"
import { guardAgainstFragments } from "./fragment-guard.js"
import { WsCarrier } from "./ws-carrier.js"

/** TLS material of a wss listener (PEM text), as the socket's wss* options give it. */
export interface WssServerOptions {
  key: string
  cert: string
  ca?: string | undefined
}

export interface WsListenOptions {
  /** The socket's mechanism: the subprotocol that names it is the one served. */
  mechanism: ZwsMechanism
  /** Largest message accepted (a frame's body and its flags byte); 0 for no limit. */
  maxPayload: number
  /** Milliseconds a connection may take to send its upgrade (and TLS handshake); 0: no limit. */
  upgradeTimeout: number
  /** Required for wss. */
  tls: WssServerOptions | null
}

/** A request's choice of subprotocol, made before `ws` completes the upgrade. */
const CHOICE = Symbol("zws choice")
type ChosenRequest = IncomingMessage & { [CHOICE]?: ZwsChoice }

/**
 * Binds a ws or wss endpoint: an HTTP(S) server whose upgrades on the endpoint's path become
 * WsCarriers (see serveUpgrades). Plain HTTP requests get 426; a connection slower than
 * `upgradeTimeout` to upgrade is dropped. Rejects with EADDRINUSE and friends.
 */
export function listenWs(
  ep: WsEndpoint,
  options: WsListenOptions,
  onConnection: (carrier: WsCarrier) => void,
): Promise<Listener> {
  const server: Server =
    ep.transport === "wss"
      ? createHttpsServer({
          ...options.tls,
          ...(options.upgradeTimeout > 0 ? { handshakeTimeout: options.upgradeTimeout } : {}),
        })
      : createHttpServer()
  server.unref() // a socket holds its thread only while it has work (omq's runtime decides)
  const upgradeTimers = new WeakMap<Duplex, ReturnType<typeof setTimeout>>()
  server.on(ep.transport === "wss" ? "secureConnection" : "connection", (socket: Socket) => {
    if (options.upgradeTimeout <= 0) return
    const timer = setTimeout(() => socket.destroy(), options.upgradeTimeout)
    timer.unref()
    upgradeTimers.set(socket, timer)
    socket.once("close", () => clearTimeout(timer))
  })
  server.on("request", (_req, res) => {
    res.writeHead(426, { Connection: "close", Upgrade: "websocket" }).end()
  })
  const onUpgrade = serveUpgrades(ep, options, onConnection, true)
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    clearTimeout(upgradeTimers.get(socket))
    onUpgrade(req, socket, head)
  })
  const listen = ep.host === "*" ? "0.0.0.0" : ep.host
  return serve(server, { host: listen, port: ep.port, exclusive: true }, ep.text, () => {
    const bound = server.address()
    return bound && typeof bound === "object"
      ? formatWs(ep.transport, bound.address, bound.port, ep.path)
      : ep.text
  })
}

/**
 * Serves the endpoint's path on the application's own HTTP(S) server (`ws://` for an
 * http.Server, `wss://` for an https.Server; the endpoint's host and port are the server's).
 * Upgrades on other paths are left to the server's other listeners; plain requests are the
 * application's. Resolves once the server listens. Closing it removes only this listener.
 */
export async function attachWs(
  server: Server | HttpsServer,
  ep: WsEndpoint,
  options: WsListenOptions,
  onConnection: (carrier: WsCarrier) => void,
): Promise<Listener> {
  const transport = server instanceof TlsServer ? "wss" : "ws"
  const onUpgrade = serveUpgrades({ ...ep, transport }, options, onConnection, false)
  server.on("upgrade", onUpgrade)
  if (!server.listening) await once(server, "listening")
  const bound = server.address()
  const endpoint =
    bound && typeof bound === "object"
      ? formatWs(transport, bound.address, bound.port, ep.path)
      : `${transport}://${String(bound)}${ep.path}`
  return {
    endpoint,
    close: async () => {
      server.off("upgrade", onUpgrade)
    },
    onAcceptError: null,
  }
}

/**
 * The upgrade handler of one ws endpoint. Refused before `ws` sees them (as libzmq refuses
 * them): no subprotocol this socket speaks (400); with `ownServer`, also other paths (404).
 * A bind without a path serves every path, as libzmq does; one with a path serves that path
 * and its last segment, the only part libzmq's client sends.
 */
function serveUpgrades(
  ep: WsEndpoint,
  options: WsListenOptions,
  onConnection: (carrier: WsCarrier) => void,
  ownServer: boolean,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    perMessageDeflate: false,
    autoPong: false, // see WsCarrier
    clientTracking: false,
    handleProtocols: (_offered, req: ChosenRequest) => req[CHOICE]?.protocol ?? false,
  })
  return (req: ChosenRequest, socket: Duplex, head: Buffer) => {
    if (!servesPath(ep.path, req.url ?? "/")) {
      if (ownServer) refuse(socket, 404)
      return
    }
    const choice = chooseZwsSubprotocol(offeredProtocols(req), options.mechanism)
    if (!choice) return refuse(socket, 400)
    req[CHOICE] = choice
    // `ws` refuses "ZWS2.0/NULL" as a subprotocol ("/" is not an HTTP token character), which
    // libzmq's clients offer: the choice is made here, and `ws` sees a token that stands for it.
    req.headers["sec-websocket-protocol"] = "zws"
    wss.handleUpgrade(req, socket, head, (ws) => {
      const raw = socket as Socket
      const carrier = new WsCarrier(ws, raw, ep.transport, choice.bare, false)
      guardAgainstFragments(raw, (before) => carrier.refuseFragment(before))
      onConnection(carrier)
    })
  }
}

/** A bind without a path serves them all; one with a path, that path or its last segment. */
function servesPath(bound: string, url: string): boolean {
  if (bound === "/") return true
  const path = url.split("?")[0]!
  return path === bound || path === bound.slice(bound.lastIndexOf("/"))
}

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers["sec-websocket-protocol"]
  if (!header) return []
  return header.split(",").map((p) => p.trim())
}

function refuse(socket: Duplex, status: 400 | 404): void {
  const reason = status === 400 ? "Bad Request" : "Not Found"
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  socket.once("finish", () => socket.destroy())
}
