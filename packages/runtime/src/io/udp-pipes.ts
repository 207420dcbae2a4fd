import { createSocket, type Socket as UdpSocket } from "node:dgram"
import { lookup } from "node:dns/promises"
import { networkInterfaces } from "node:os"
import {
  checkUdpSocketType,
  formatUdp,
  isIPv4,
  parseEndpoint,
  type SocketType,
  type UdpEndpoint,
  ZmqError,
} from "@omq/transport"
import type { RecordSink } from "../ring/record-link.js"
import { PEER_CONNECTED, RecordKind } from "../ring/records.js"
import { type ConnectionOptions, encodePeerUp } from "./host-protocol.js"
import type { HostedPeer } from "./hosted-peer.js"
import { UdpEngine, type UdpRole } from "./udp-engine.js"
import type { WrittenPeers } from "./written-peers.js"

const NO_LIMIT = 0x7fffffff
/** How long a RADIO waits before trying a name or interface that did not resolve again. */
const RETRY_MIN_MS = 100

/** What the udp pipes reach of their HostedSocket. */
export interface UdpPipesHost {
  type(): SocketType
  /** The socket is closing: nothing new is opened. */
  closing(): boolean
  toSocket(): RecordSink
  written(): WrittenPeers
  giveBack(buffer: ArrayBufferLike): void
  /** Registers a pipe: `id` is the socket's own pipe id (a connect), or 0 for a new host one. */
  addPeer(id: number, endpoint: string, options: ConnectionOptions, connected: boolean): HostedPeer
  /** Forgets a pipe and tells the socket (PeerDown); destroys its engine. */
  removePeer(peer: HostedPeer): void
}

/** One udp pipe: its socket, and the engine once the socket is open. */
interface UdpPipe {
  peer: HostedPeer
  socket: UdpSocket | null
  /** A RADIO waiting to try its name again. */
  retry: NodeJS.Timeout | null
}

/**
 * A socket's udp endpoints, beside its tcp/ipc listeners and connecters: what a DISH or a DGRAM
 * binds and a RADIO connects. Each is one pipe over one `node:dgram` socket (see UdpEngine),
 * with no handshake: the pipe is announced to the socket (PeerUp, with no socket type) as soon
 * as its socket is open, and a RADIO sends it every message, joined or not. As libzmq, nothing
 * is reported to monitors for udp.
 *
 * Owned by the host's thread (an IO worker, or the socket's own with `ioThreads: 0`).
 */
export class UdpPipes {
  readonly #host: UdpPipesHost
  /** Bound pipes by endpoint, as resolved and as given. */
  readonly #bound = new Map<string, UdpPipe>()
  /** Connected pipes by endpoint (libzmq allows several connects to one endpoint). */
  readonly #connected = new Map<string, UdpPipe[]>()

  constructor(host: UdpPipesHost) {
    this.#host = host
  }

  /** Opens a DISH's or a DGRAM's socket; resolves with the endpoint, its port resolved. */
  async bind(endpoint: string, options: ConnectionOptions): Promise<string> {
    const host = this.#host
    const type = host.type()
    checkUdpSocketType(type, true, endpoint)
    const ep = parseEndpoint(endpoint, true) as UdpEndpoint
    // A multicast DISH binds the group's port on every address, and joins the group.
    const address = ep.multicast ? "0.0.0.0" : await resolveHost(ep.host, endpoint)
    const iface = ep.multicast ? interfaceAddress(ep.iface, endpoint) : undefined
    const socket = createSocket({ type: "udp4", reuseAddr: ep.multicast })
    socket.unref() // as every connection: the socket holds its thread while it has work
    try {
      await listening(socket, ep.port, address)
      if (ep.multicast) socket.addMembership(ep.host, iface)
    } catch (err) {
      socket.close()
      throw asZmqError(err, endpoint)
    }
    if (host.closing()) {
      socket.close()
      throw new ZmqError("ETERM", "socket closed while binding")
    }
    const resolved = formatUdp(ep, socket.address().port)
    const pipe = { peer: host.addPeer(0, resolved, options, false), socket, retry: null }
    this.#bound.set(resolved, pipe)
    if (resolved !== endpoint) this.#bound.set(endpoint, pipe)
    this.#open(pipe, socket, type === "DISH" ? "dish" : "dgram", options)
    return resolved
  }

  /** Whether `endpoint` names a udp bind of this socket. */
  bound(endpoint: string): boolean {
    return this.#bound.has(endpoint)
  }

  /** Closes a bound socket; its pipe goes (PeerDown). */
  async unbind(endpoint: string): Promise<void> {
    const pipe = this.#bound.get(endpoint)
    if (!pipe) throw new ZmqError("ENOENT", `not bound to ${endpoint}`, endpoint)
    for (const [key, value] of this.#bound) if (value === pipe) this.#bound.delete(key)
    const socket = pipe.socket // null when it closed already (a DGRAM's second pipe, refused)
    const closed = socket && new Promise((resolve) => socket.once("close", resolve))
    this.#drop(pipe)
    await closed
  }

  /**
   * A RADIO's connect: the pipe exists at once (the socket's `pipeId`, or a new one with
   * `immediate`, which udp ignores as libzmq does); its messages wait on it until the socket is
   * open. Any other type gets no pipe (see checkUdpSocketType: its connect() should have thrown).
   */
  connect(endpoint: string, options: ConnectionOptions, pipeId: number): void {
    const host = this.#host
    const peer = host.addPeer(pipeId, endpoint, options, true)
    if (host.type() !== "RADIO") {
      host.removePeer(peer)
      return
    }
    const pipe: UdpPipe = { peer, socket: null, retry: null }
    this.#connected.set(endpoint, [...(this.#connected.get(endpoint) ?? []), pipe])
    this.#dial(pipe, parseEndpoint(endpoint, false) as UdpEndpoint, options)
  }

  /** Drops every pipe connected to `endpoint`. */
  disconnect(endpoint: string): void {
    const pipes = this.#connected.get(endpoint) ?? []
    this.#connected.delete(endpoint)
    for (const pipe of pipes) this.#drop(pipe)
  }

  /** Closing: resolves once every pipe's queued datagrams have gone to the kernel. */
  async end(): Promise<void> {
    await Promise.all(this.#pipes().map((pipe) => pipe.peer.engine?.end()))
  }

  /** Closing: closes every socket now (the socket is going: no PeerDown). */
  destroy(): void {
    for (const pipe of this.#pipes()) {
      if (pipe.retry) clearTimeout(pipe.retry)
      if (pipe.peer.engine) pipe.peer.engine.destroy()
      else pipe.socket?.close()
      pipe.socket = null
    }
    this.#bound.clear()
    this.#connected.clear()
  }

  #pipes(): UdpPipe[] {
    return [...new Set([...this.#bound.values(), ...[...this.#connected.values()].flat()])]
  }

  /** Forgets a pipe: its socket closes (with its engine, if it has one) and the socket hears. */
  #drop(pipe: UdpPipe): void {
    if (pipe.retry) clearTimeout(pipe.retry)
    pipe.retry = null
    const socket = pipe.socket
    pipe.socket = null
    if (!pipe.peer.engine) socket?.close()
    this.#host.removePeer(pipe.peer) // destroys the engine, which closes the socket
  }

  /**
   * Opens a RADIO's socket, connected to where its datagrams go (no address per send). A name
   * or an interface that does not resolve is tried again later: libzmq would fail connect()
   * itself, which an asynchronous connect cannot.
   */
  #dial(pipe: UdpPipe, ep: UdpEndpoint, options: ConnectionOptions): void {
    const socket = createSocket("udp4")
    socket.unref()
    pipe.socket = socket
    const retry = (): void => {
      if (pipe.socket !== socket) return // dropped meanwhile, and closed
      socket.close()
      pipe.socket = null
      if (this.#host.closing()) return
      const wait = Math.max(options.reconnectInterval, RETRY_MIN_MS)
      pipe.retry = setTimeout(() => {
        pipe.retry = null
        this.#dial(pipe, ep, options)
      }, wait)
      pipe.retry.unref()
    }
    socket.once("error", retry)
    socket.connect(ep.port, ep.host, (err?: Error) => {
      socket.off("error", retry)
      if (err) return retry()
      if (pipe.socket !== socket) return // dropped meanwhile, and closed
      try {
        if (ep.multicast) {
          const iface = interfaceAddress(ep.iface, ep.text)
          if (iface) socket.setMulticastInterface(iface)
          socket.setMulticastLoopback(true) // libzmq's multicast_loop defaults to on
        }
      } catch {
        return retry()
      }
      this.#open(pipe, socket, "radio", options)
    })
  }

  /**
   * The socket is open: the pipe gets its engine, the socket hears of it, and the messages that
   * waited go out.
   */
  #open(pipe: UdpPipe, socket: UdpSocket, role: UdpRole, options: ConnectionOptions): void {
    const host = this.#host
    const peer = pipe.peer
    peer.receiveLimit = options.receiveHighWaterMark || NO_LIMIT
    const frames = encodePeerUp({
      type: "", // no handshake: the socket sees a pipe of no known type
      routingId: new Uint8Array(0),
      endpoint: peer.endpoint,
      receiveLimit: peer.receiveLimit,
      sendLimit: options.sendHighWaterMark,
      properties: new Map(),
    })
    const flags = peer.connected ? PEER_CONNECTED : 0
    host.toSocket().push(RecordKind.PeerUp, peer.id, frames.length, frames, flags)
    const toSocket = host.toSocket()
    const written = host.written()
    const giveBack = (buffer: ArrayBufferLike): void => host.giveBack(buffer)
    peer.engine = new UdpEngine(socket, role, options.maxMessageSize, {
      message: (frames) => {
        toSocket.pushMessage(peer.id, frames)
        peer.delivered()
      },
      drain: () => {
        if (!peer.blocked) return
        peer.blocked = false
        written.add(peer)
        written.flush()
      },
      // Closed by removePeer (unbind, disconnect, a pipe the socket refused) or an error.
      closed: () => {
        peer.engine = null
        peer.blocked = false
        pipe.socket = null
        if (!host.closing()) this.#drop(pipe)
      },
    })
    peer.flushQueue(giveBack)
    written.add(peer)
    written.flush()
  }
}

/** Resolves once `socket` is bound. */
function listening(socket: UdpSocket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject)
    socket.bind(port, address, () => {
      socket.off("error", reject)
      resolve()
    })
  })
}

/** A bind's host: an IPv4 address, a network interface's, or a name looked up (as libzmq). */
async function resolveHost(host: string, endpoint: string): Promise<string> {
  if (isIPv4(host)) return host
  const nic = nicAddress(host)
  if (nic) return nic
  try {
    return (await lookup(host, { family: 4 })).address
  } catch {
    throw new ZmqError("EINVAL", `cannot resolve '${host}' in ${endpoint}`, endpoint)
  }
}

/** A multicast interface as an address: itself, or a network interface's; undefined for any. */
function interfaceAddress(iface: string | null, endpoint: string): string | undefined {
  if (iface === null || isIPv4(iface)) return iface ?? undefined
  const address = nicAddress(iface)
  if (!address) throw new ZmqError("EINVAL", `no interface '${iface}' in ${endpoint}`, endpoint)
  return address
}

/** The first IPv4 address of the network interface named `name`. */
function nicAddress(name: string): string | undefined {
  return networkInterfaces()[name]?.find((a) => a.family === "IPv4")?.address
}

/** What Node's dgram threw, as the ZmqError bind() rejects with (EADDRINUSE, ...). */
function asZmqError(err: unknown, endpoint: string): ZmqError {
  if (err instanceof ZmqError) return err
  const code = (err as NodeJS.ErrnoException).code
  const known = ["EADDRINUSE", "EADDRNOTAVAIL", "EACCES"] as const
  const zmqCode = known.find((c) => c === code) ?? "EINVAL"
  return new ZmqError(zmqCode, `bind ${endpoint}: ${(err as Error).message}`, endpoint)
}
