import { once } from "node:events"
import type { IncomingMessage, Server } from "node:http"
import type { Server as HttpsServer } from "node:https"
import type { Socket } from "node:net"
import type { Duplex } from "node:stream"
import { formatWs, type WsEndpoint } from "../endpoint.js"
import type { Listener } from "../engine/listener.js"
import { bindCode, serve } from "../engine/listener.js"
import { ZmqError } from "../errors.js"
import { chooseZwsSubprotocol, type ZwsChoice, type ZwsMechanism } from "../zmtp/mod.js"
import { guardAgainstFragments } from "./fragment-guard.js"
import { WsCarrier } from "./ws-carrier.js"
import { loadWsServer, type WsPackage } from "./ws-package.js"

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
export async function listenWs(
  ep: WsEndpoint,
  options: WsListenOptions,
  onConnection: (carrier: WsCarrier) => void,
): Promise<Listener> {
  const { ws, http, https } = await loadWsServer()
  const server: Server =
    ep.transport === "wss"
      ? https.createServer({
          ...options.tls,
          ...(options.upgradeTimeout > 0 ? { handshakeTimeout: options.upgradeTimeout } : {}),
        })
      : http.createServer()
  server.unref() // a socket holds its thread only while it has work (omq's runtime decides)
  // Connections not upgraded yet: never holding the thread, cut after upgradeTimeout, and
  // closed with the listener (the server's close() would wait for them).
  const upgrading = new Map<Duplex, ReturnType<typeof setTimeout> | undefined>()
  server.on("connection", (socket: Socket) => socket.unref()) // wss: during TLS too
  server.on(ep.transport === "wss" ? "secureConnection" : "connection", (socket: Socket) => {
    socket.unref()
    const limit = options.upgradeTimeout
    const timer = limit > 0 ? setTimeout(() => socket.destroy(), limit).unref() : undefined
    upgrading.set(socket, timer)
    socket.once("close", () => {
      clearTimeout(timer)
      upgrading.delete(socket)
    })
  })
  server.on("request", (_req, res) => {
    res.writeHead(426, { Connection: "close", Upgrade: "websocket" }).end()
  })
  const onUpgrade = serveUpgrades(ws, ep, options, onConnection, true)
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    clearTimeout(upgrading.get(socket))
    upgrading.delete(socket)
    onUpgrade(req, socket, head)
  })
  const listen = ep.host === "*" ? "0.0.0.0" : ep.host
  const listener = await serve(
    server,
    { host: listen, port: ep.port, exclusive: true },
    ep.text,
    () => {
      const bound = server.address()
      return bound && typeof bound === "object"
        ? formatWs(ep.transport, bound.address, bound.port, ep.path)
        : ep.text
    },
  )
  const close = listener.close
  listener.close = () => {
    for (const socket of upgrading.keys()) socket.destroy()
    return close()
  }
  return listener
}

/** The paths served on each application server, so that two binds cannot share one. */
const SERVED = new WeakMap<Server | HttpsServer, Set<string>>()

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
  // Upgrades reach every listener of the server: a path of its own is how this one knows its
  // requests from the application's (and from another socket's).
  if (ep.path === "/") {
    throw new ZmqError("EINVAL", `a bind on an application's server needs a path: ${ep.text}`)
  }
  const served = SERVED.get(server) ?? new Set<string>()
  SERVED.set(server, served)
  if (served.has(ep.path)) {
    throw new ZmqError("EADDRINUSE", `${ep.path} is served on that server already`, ep.text)
  }
  served.add(ep.path)
  let ws: WsPackage
  let secure: boolean
  try {
    const modules = await loadWsServer()
    ws = modules.ws
    secure = server instanceof modules.tls.Server
    if (!server.listening) await once(server, "listening")
  } catch (err) {
    served.delete(ep.path)
    const code = (err as NodeJS.ErrnoException).code
    throw new ZmqError(bindCode(code), `bind ${ep.text}: ${(err as Error).message}`, ep.text)
  }
  const transport = secure ? "wss" : "ws"
  const onUpgrade = serveUpgrades(ws, { ...ep, transport }, options, onConnection, false)
  server.on("upgrade", onUpgrade)
  const bound = server.address()
  const endpoint =
    bound && typeof bound === "object"
      ? formatWs(transport, bound.address, bound.port, ep.path)
      : `${transport}://${String(bound)}${ep.path}`
  return {
    endpoint,
    close: async () => {
      server.off("upgrade", onUpgrade)
      served.delete(ep.path)
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
  { WebSocketServer }: WsPackage,
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
      const carrier = new WsCarrier(ws, raw, choice.bare, false)
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
