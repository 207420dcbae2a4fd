import type { SocketType } from "@omq/transport/zmtp"
import { ZmqError } from "@omq/transport/zmtp"
import { connectionConfig } from "./connection-config.js"
import { FairQueue } from "./fair-queue.js"
import { Pipe, type PipeOwner } from "./pipe.js"
import { type SocketEvent, SocketEvents } from "./socket-events.js"
import { type SocketConstructorOptions, SocketOptionAccessors } from "./socket-options.js"
import type { ConnectionConfig } from "./zws-connection.js"

/**
 * The endpoint layer of every browser socket: options, connect()ed endpoints (one Pipe each),
 * which pipes are attached to the socket type, connection events, and close with linger. A
 * socket type adds its routing through the x* hooks, as libzmq's socket_base_t does; SocketBase
 * adds the application's calls above.
 *
 * A pipe is attached to the socket type at connect() (libzmq queues messages to a peer still
 * connecting), or only once its handshake is done with `immediate`, and for ROUTER, which
 * needs the peer's routing id.
 */
export abstract class EndpointSocket extends SocketOptionAccessors implements PipeOwner {
  readonly type: SocketType
  /** Connection events (zeromq.js names): connect, handshake, disconnect, connect:retry... */
  readonly events = new SocketEvents()
  /** Resolves once close() is done: queued messages have gone out, or linger ran out. */
  readonly finished: Promise<void>
  #finish!: () => void
  /** Received messages, one queue per pipe, taken in turn; types that filter use their own. */
  protected readonly fq = new FairQueue()
  readonly #pipes: Pipe[] = []
  /** Attached pipes; true when attached at connect() (they stay attached across reconnects). */
  readonly #attached = new Map<Pipe, boolean>()
  #closed = false

  constructor(type: SocketType, options: SocketConstructorOptions = {}) {
    super()
    this.type = type
    this.applyOptions(options as Record<string, unknown>)
    this.finished = new Promise((resolve) => (this.#finish = resolve))
  }

  get closed(): boolean {
    return this.#closed
  }

  /** A page cannot listen: EPROTONOSUPPORT. */
  bind(address: string): Promise<void> {
    return Promise.reject(
      new ZmqError("EPROTONOSUPPORT", `a browser socket cannot bind (${address})`, address),
    )
  }

  unbind(address: string): Promise<void> {
    return this.bind(address)
  }

  /** Connects to a ws:// or wss:// endpoint, and keeps reconnecting until disconnect(). */
  connect(address: string): void {
    this.checkOpen()
    let url: URL
    try {
      url = new URL(address)
    } catch {
      throw new ZmqError("EINVAL", `not an endpoint: ${address}`, address)
    }
    if (url.protocol !== "ws:" && url.protocol !== "wss:") {
      throw new ZmqError(
        "EPROTONOSUPPORT",
        `a browser socket connects over ws or wss only`,
        address,
      )
    }
    const pipe = new Pipe(this, address)
    this.#pipes.push(pipe)
    if (!this.options.immediate && this.attachesOnConnect) this.#attach(pipe, true)
  }

  /** Stops connecting to `address`; messages still queued for it are dropped. */
  disconnect(address: string): void {
    this.checkOpen()
    const gone = this.#pipes.filter((pipe) => pipe.endpoint === address)
    if (gone.length === 0) throw new ZmqError("ENOENT", `not connected to ${address}`, address)
    for (const pipe of gone) {
      pipe.stop()
      this.#remove(pipe)
    }
  }

  /**
   * Closes the socket: waiting calls reject with EAGAIN; queued messages still go out for up
   * to `linger` ms (see `finished`), then every connection closes.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.closing()
    const linger = this.options.linger
    const pipes = this.#pipes.splice(0)
    void Promise.all(pipes.map((pipe) => pipe.stopAfter(linger))).then(() => {
      this.events.emit({ type: "end" })
      this.#finish()
    })
  }

  /** close() has begun: SocketBase ends the calls that wait, before the pipes stop. */
  protected abstract closing(): void

  /** Serves waiting send() calls (SocketBase); call it when a socket type may route again. */
  protected abstract retrySends(): void

  /** Serves waiting receive() calls (SocketBase). */
  protected abstract retryReceives(): void

  /** send() calls waiting (SocketBase keeps them; REQ's state machine counts them). */
  protected abstract get sendsWaiting(): number

  // ---- for socket types --------------------------------------------------------------------

  /** Whether pipes attach at connect() (unless `immediate`); ROUTER waits for a routing id. */
  protected get attachesOnConnect(): boolean {
    return true
  }

  /** Routes a message now, or returns false to wait for room or a peer. May throw. */
  protected abstract xsend(frames: Uint8Array[]): boolean

  /** Takes the next message for the application, or null. */
  protected xrecv(): Uint8Array[] | null {
    return this.fq.pop()?.[1] ?? null
  }

  protected xhasIn(): boolean {
    return this.fq.hasMessages
  }

  protected xhasOut(): boolean {
    return false
  }

  /** A pipe joins; false refuses it (a second PAIR peer). */
  protected xattach(_pipe: Pipe): boolean {
    return true
  }

  protected xdetach(_pipe: Pipe): void {}

  /** A pipe's handshake is done (after each reconnect). */
  protected xready(_pipe: Pipe): void {}

  protected xmessage(pipe: Pipe, frames: Uint8Array[]): void {
    this.fq.push(pipe, frames)
  }

  /** A SUBSCRIBE or CANCEL command from a peer (PUB and XPUB take them). */
  protected xsubscription(_pipe: Pipe, _topic: Uint8Array, _subscribe: boolean): void {}

  /** The pipes attached now. */
  protected get attachedPipes(): IterableIterator<Pipe> {
    return this.#attached.keys()
  }

  // ---- PipeOwner (called by this socket's pipes) -------------------------------------------

  /** @internal */
  connectionConfig(url: string): ConnectionConfig {
    return connectionConfig(url, this.type, this.options)
  }

  /** @internal */
  pipeReady(pipe: Pipe): void {
    if (!this.#attached.has(pipe) && !this.#attach(pipe, false)) return
    this.xready(pipe)
    this.retrySends()
  }

  /** @internal */
  pipeMessage(pipe: Pipe, frames: Uint8Array[]): void {
    if (this.#closed || !this.#attached.has(pipe)) return
    this.xmessage(pipe, frames)
    this.retryReceives()
  }

  /** @internal */
  pipeSubscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void {
    if (this.#attached.has(pipe)) this.xsubscription(pipe, topic, subscribe)
  }

  /** @internal */
  pipeLost(pipe: Pipe): void {
    if (this.#attached.get(pipe) === false) {
      this.#attached.delete(pipe)
      this.xdetach(pipe)
    }
  }

  /** @internal */
  pipeEnded(pipe: Pipe): void {
    this.#remove(pipe)
  }

  /** @internal */
  pipeEvent(event: SocketEvent): void {
    this.events.emit(event)
  }

  #attach(pipe: Pipe, onConnect: boolean): boolean {
    if (!this.xattach(pipe)) {
      // Refused (PAIR has a peer): the pipe ends, as libzmq terminates it.
      pipe.stop()
      this.#remove(pipe)
      return false
    }
    this.#attached.set(pipe, onConnect)
    if (this.sendsWaiting > 0) this.retrySends()
    return true
  }

  #remove(pipe: Pipe): void {
    const i = this.#pipes.indexOf(pipe)
    if (i >= 0) this.#pipes.splice(i, 1)
    if (this.#attached.delete(pipe)) this.xdetach(pipe)
    this.fq.discard(pipe)
  }

  protected checkOpen(): void {
    if (this.#closed) throw new ZmqError("EBADF", "socket is closed")
  }
}
