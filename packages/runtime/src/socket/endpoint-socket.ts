import type { Server as HttpServer } from "node:http"
import type { Server as HttpsServer } from "node:https"
import { checkUdpSocketType, parseEndpoint, ZmqError } from "@omq/transport"
import type { ConnectionOptions } from "../io/host-protocol.js"
import { checkConnectable, checkWsSocketType, connectionOptions } from "./connection-options.js"
import type { SocketOptions } from "./options.js"
import { Peer } from "./peer.js"
import { creditBatch, NO_LIMIT } from "./pipe.js"
import { RegisteredSocket } from "./registered-socket.js"

/** Options read at each call (or at close), not per endpoint. */
const ACTS_AT_ONCE = new Set<keyof SocketOptions>(["linger", "sendTimeout", "receiveTimeout"])

/**
 * A socket's endpoints: bind(), unbind(), connect() and disconnect() over its carriers
 * (RegisteredSocket), and what they made: the bound and connected endpoints, the last one
 * bound, and the bind() and unbind() calls still running, which close() waits for. SocketBase
 * adds the application's calls on top.
 *
 * Lives on the thread that created it, and is used only there.
 */
export abstract class EndpointSocket extends RegisteredSocket {
  #lastEndpoint: string | null = null
  /** connect() endpoints and their pipe ids (0 with `immediate`). */
  readonly #connects = new Map<string, number>()
  /** bind() endpoints as given (wildcards unresolved), until unbind(). */
  readonly #binds = new Set<string>()
  /** bind() and unbind() calls still running; close() waits for them (see deferClose). */
  #endpointCalls = 0
  #closeDeferred = false

  /**
   * close() during a bind() or unbind() happens when the last of them settles, as in zeromq.js:
   * the call finishes (or fails) on its own terms, and `closed` turns true only then. True when
   * close() must wait.
   */
  protected deferClose(): boolean {
    if (this.#endpointCalls === 0) return false
    this.#closeDeferred = true
    return true
  }

  async #endpointCall(call: () => Promise<void>): Promise<void> {
    this.checkOpen()
    this.#endpointCalls++
    try {
      await call()
    } finally {
      if (--this.#endpointCalls === 0 && this.#closeDeferred) {
        this.#closeDeferred = false
        this.close()
      }
    }
  }

  /** The endpoint of the last successful bind(), with wildcards resolved. Read-only. */
  get lastEndpoint(): string | null {
    return this.#lastEndpoint
  }

  /**
   * Endpoints take the options as they are at bind() or connect(): as zeromq.js, warn when one
   * is set on a socket that has endpoints already (or a bind running), unless it acts at once.
   */
  protected override optionSet(name: keyof SocketOptions): void {
    super.optionSet(name)
    if (ACTS_AT_ONCE.has(name)) return
    if (this.#endpointCalls === 0 && this.#binds.size === 0 && this.#connects.size === 0) return
    process.emitWarning("Socket option will not take effect until next connect/bind.")
  }

  /** Open, and bound or connected somewhere (what a Proxy needs of its sockets). @internal */
  get hasEndpoints(): boolean {
    return !this.closed && (this.#binds.size > 0 || this.#connects.size > 0)
  }

  #connectionOptions(): ConnectionOptions {
    return connectionOptions(this.options, this.mechanism, this.conflates)
  }

  // ---- endpoints -----------------------------------------------------------------------------

  /**
   * Binds to an endpoint; `tcp://127.0.0.1:*` picks a free port (see lastEndpoint).
   *
   * `options.server`: serve a ws endpoint's path on the application's own http.Server (or
   * https.Server, for wss) instead of a port of our own; the server's other paths and requests
   * stay the application's. Node cannot hand a server to another thread, so this socket's
   * connections then run on its own thread: bind to the server before any other endpoint.
   */
  bind(address: string, options: BindOptions = {}): Promise<void> {
    return this.#endpointCall(async () => {
      await this.#bind(address, options)
      this.#binds.add(address)
    })
  }

  async #bind(address: string, options: BindOptions): Promise<void> {
    const ep = parseEndpoint(address, true)
    checkWsSocketType(this.type, ep.transport, address)
    if (options.server !== undefined) {
      await this.#bindToServer(address, ep.transport, options.server)
      return
    }
    if (ep.transport === "udp") checkUdpSocketType(this.type, true, address)
    if (ep.transport === "inproc") {
      await this.inproc.bind(ep.name)
      this.#lastEndpoint = address
      return
    }
    const host = this.hostChannel
    this.#lastEndpoint = await host.io.bindEndpoint(this.id, address, this.#connectionOptions())
  }

  async #bindToServer(address: string, transport: string, server: HttpServer): Promise<void> {
    if (transport !== "ws" && transport !== "wss") {
      throw new ZmqError(
        "EINVAL",
        `an http.Server serves ws endpoints only, not ${address}`,
        address,
      )
    }
    const host = this.serverHostChannel(address)
    const options = { ...this.#connectionOptions(), userServer: server }
    this.#lastEndpoint = await host.io.bindEndpoint(this.id, address, options)
  }

  unbind(address: string): Promise<void> {
    return this.#endpointCall(async () => {
      await this.#unbind(address)
      this.#binds.delete(address)
    })
  }

  async #unbind(address: string): Promise<void> {
    const ep = parseEndpoint(address, true)
    if (ep.transport === "inproc") await this.inproc.unbind(ep.name)
    else await this.hostChannel.io.unbindEndpoint(this.id, address)
  }

  /**
   * Connects in the background, retrying until the peer is there; bad endpoints throw here.
   * Unless `immediate` is set, the pipe exists at once (as in libzmq): messages sent before the
   * connection is up queue on it, up to the high-water mark.
   */
  connect(address: string): void {
    this.checkOpen()
    const ep = parseEndpoint(address, false)
    checkConnectable(this.type, ep.transport, address, this.options)
    checkWsSocketType(this.type, ep.transport, address)
    if (ep.transport === "inproc") {
      const peer = this.inproc.connect(address, ep.name)
      if (!peer) return
      this.#connects.set(address, peer.id)
      this.retrySends()
      return
    }
    const host = this.hostChannel
    const options = this.#connectionOptions()
    let pipeId = 0
    if (!options.immediate) {
      const peer = new Peer(this.newPipeId(), address, host)
      peer.connected = true
      // Its messages hold the thread only once its first handshake is done (see PipedSocket);
      // before that, a process that is done waits for them at exit, up to the linger.
      peer.stalled = true
      peer.creditBatch = creditBatch(options.receiveHighWaterMark || NO_LIMIT)
      peer.sendLimit = options.sendHighWaterMark
      if (!this.addPeer(peer)) return
      pipeId = peer.id
    }
    this.#connects.set(address, pipeId)
    host.connect(address, pipeId, options)
    if (pipeId !== 0) this.retrySends()
  }

  /** Stops connecting to `address` and drops its pipe. ENOENT when not connected to it. */
  disconnect(address: string): void {
    this.checkOpen()
    parseEndpoint(address, false)
    const pipeId = this.#connects.get(address)
    if (pipeId === undefined) throw new ZmqError("ENOENT", `not connected to ${address}`, address)
    this.#connects.delete(address)
    // libzmq destroys a disconnected pipe's unread messages. With `immediate` the pipes are the
    // host's, one per connection made to this address.
    const pipes =
      pipeId !== 0
        ? [this.peer(pipeId)]
        : [...this.peers()].filter((p) => p.connected && p.endpoint === address)
    for (const peer of pipes) {
      if (!peer) continue
      peer.inbound.drain()
      this.detach(peer)
      if (address.startsWith("inproc:")) this.inproc.disconnect(peer)
    }
    if (!address.startsWith("inproc:")) this.hostChannel.disconnect(address)
  }
}

export interface BindOptions {
  /** A ws endpoint's path served on this server of the application's (see bind()). */
  server?: HttpServer | HttpsServer
}
