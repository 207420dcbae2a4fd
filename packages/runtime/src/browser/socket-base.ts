import type { SocketType } from "@omq/transport/zmtp"
import { ZmqError } from "@omq/transport/zmtp"
// The Node sockets' own line of waiting calls: pure, so pages share it.
import { WaitingCalls } from "../socket/waiting-calls.js"
import { connectionConfig } from "./connection-config.js"
import { FairQueue } from "./fair-queue.js"
import { type Message, toFrames } from "./frames.js"
import { Pipe, type PipeOwner } from "./pipe.js"
import { type SocketEvent, SocketEvents } from "./socket-events.js"
import { type SocketConstructorOptions, SocketOptionAccessors } from "./socket-options.js"
import type { ConnectionConfig } from "./zws-connection.js"

const RESOLVED = Promise.resolve()

/**
 * What every browser socket shares: options, connect()ed endpoints (one Pipe each), ordered
 * queues of waiting send() and receive() calls, and close with linger. A socket type adds its
 * routing through the x* hooks, as libzmq's socket_base_t does.
 *
 * A pipe is attached to the socket type at connect() (libzmq queues messages to a peer still
 * connecting), or only once its handshake is done with `immediate`, and for ROUTER, which
 * needs the peer's routing id.
 */
export abstract class SocketBase extends SocketOptionAccessors implements PipeOwner {
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
  readonly #sends = new WaitingCalls<void, Uint8Array[]>("send")
  readonly #receives = new WaitingCalls<Uint8Array[]>("receive")
  #closed = false
  #drainTimer: ReturnType<typeof setTimeout> | undefined

  constructor(type: SocketType, options: SocketConstructorOptions = {}) {
    super()
    this.type = type
    this.applyOptions(options as Record<string, unknown>)
    this.finished = new Promise((resolve) => (this.#finish = resolve))
  }

  get closed(): boolean {
    return this.#closed
  }

  /** A receive() now would resolve at once (libzmq's ZMQ_POLLIN). */
  get readable(): boolean {
    return !this.#closed && this.#receives.length === 0 && this.xhasIn()
  }

  /** A send() now would be accepted at once (libzmq's ZMQ_POLLOUT). */
  get writable(): boolean {
    return !this.#closed && this.#sends.length === 0 && this.xhasOut()
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
    this.#checkOpen()
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
    this.#checkOpen()
    const gone = this.#pipes.filter((pipe) => pipe.endpoint === address)
    if (gone.length === 0) throw new ZmqError("ENOENT", `not connected to ${address}`, address)
    for (const pipe of gone) {
      pipe.stop()
      this.#remove(pipe)
    }
  }

  // send(), trySend(), receive() and for-await are protected: each socket type makes public
  // those it can do, in an interface merged with its class (see socket/socket-capabilities.ts).

  /** Queues a message; resolves once accepted, rejects with EAGAIN after `sendTimeout`. */
  protected send(message: Message): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    try {
      const frames = toFrames(message)
      if (this.#sends.length === 0 && this.xsend(frames)) return RESOLVED
      const sent = this.#sends.wait(frames, this.options.sendTimeout)
      this.#watchDrain()
      return sent
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Sends now if that needs no waiting: true when accepted, false when send() would wait. */
  protected trySend(message: Message): boolean {
    this.#checkOpen()
    return this.#sends.length === 0 && this.xsend(toFrames(message))
  }

  /** Resolves with the next message's frames; rejects with EAGAIN after `receiveTimeout`. */
  protected receive(): Promise<Uint8Array[]> {
    if (this.#closed) return Promise.reject(closedError())
    try {
      const frames = this.#receives.length === 0 ? this.xrecv() : null
      if (frames) return Promise.resolve(frames)
    } catch (err) {
      return Promise.reject(err)
    }
    return this.#receives.wait(undefined, this.options.receiveTimeout)
  }

  /** AsyncIterable (no next(): for-await, which ignores `protected`, refuses it) until public. */
  protected async *[Symbol.asyncIterator](): AsyncIterable<Uint8Array[]> {
    while (!this.#closed) {
      try {
        yield await this.receive()
      } catch (err) {
        if (this.#closed && (err as ZmqError).code === "EAGAIN") return
        throw err
      }
    }
  }

  /**
   * Closes the socket: waiting calls reject with EAGAIN; queued messages still go out for up
   * to `linger` ms (see `finished`), then every connection closes.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#drainTimer)
    this.#sends.rejectAll(closedError())
    this.#receives.rejectAll(closedError())
    const linger = this.options.linger
    const pipes = this.#pipes.splice(0)
    void Promise.all(pipes.map((pipe) => pipe.stopAfter(linger))).then(() => {
      this.events.emit({ type: "end" })
      this.#finish()
    })
  }

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

  /** Serves waiting send() calls; call it when a socket type may route again. */
  protected retrySends(): void {
    const sends = this.#sends
    while (sends.length > 0) {
      try {
        if (!this.xsend(sends.peek()!)) break
      } catch (err) {
        sends.rejectNext(err as Error)
        continue
      }
      sends.resolveNext()
    }
    this.#watchDrain()
  }

  /** Serves waiting receive() calls. */
  protected retryReceives(): void {
    const receives = this.#receives
    while (receives.length > 0) {
      const frames = this.xrecv()
      if (!frames) break
      receives.resolveNext(frames)
    }
  }

  /** send() calls waiting (REQ's state machine counts them). */
  protected get sendsWaiting(): number {
    return this.#sends.length
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
    if (this.#sends.length > 0) this.retrySends()
    return true
  }

  #remove(pipe: Pipe): void {
    const i = this.#pipes.indexOf(pipe)
    if (i >= 0) this.#pipes.splice(i, 1)
    if (this.#attached.delete(pipe)) this.xdetach(pipe)
    this.fq.discard(pipe)
  }

  /**
   * The browser says nothing when its WebSocket buffer empties, so while send() calls wait and
   * some pipe's messages sit in that buffer, routing is tried again shortly.
   */
  #watchDrain(): void {
    if (this.#drainTimer !== undefined || this.#sends.length === 0) return
    let draining = false
    for (const pipe of this.#attached.keys()) draining ||= pipe.draining
    if (!draining) return
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = undefined
      this.retrySends()
    }, 1)
  }

  #checkOpen(): void {
    if (this.#closed) throw new ZmqError("EBADF", "socket is closed")
  }
}

/** For calls still waiting when the socket closes (zeromq.js ends `for await` on this). */
function closedError(): ZmqError {
  return new ZmqError("EAGAIN", "socket was closed while the call waited")
}

export type { SocketConstructorOptions }
