import { Queue } from "../util/queue.js"
import type { SocketEvent } from "./socket-events.js"
import { type ConnectionConfig, type PeerInfo, ZwsConnection } from "./zws-connection.js"

/** What a pipe tells its socket, and asks of it. */
export interface PipeOwner {
  /** The settings of the pipe's next connection (options may have changed since the last). */
  connectionConfig(url: string): ConnectionConfig
  /** Limits, read as they are used. */
  readonly sendHighWaterMark: number
  readonly reconnectInterval: number
  readonly reconnectMaxInterval: number
  /** A connection's handshake is done: `pipe.peer` is set. */
  pipeReady(pipe: Pipe): void
  pipeMessage(pipe: Pipe, frames: Uint8Array[]): void
  pipeSubscription(pipe: Pipe, topic: Uint8Array, subscribe: boolean): void
  /** The connection that was ready ended; the pipe reconnects. */
  pipeLost(pipe: Pipe): void
  /** The connection ended and reconnectInterval is -1: the pipe is gone for good. */
  pipeEnded(pipe: Pipe): void
  pipeEvent(event: SocketEvent): void
}

/**
 * A connect()ed endpoint, as libzmq's session and pipe: it outlives its connections. Messages
 * written while no connection is ready wait here (libzmq queues to a connecting peer unless
 * `immediate`), and go out in order once a handshake is done; messages the browser had
 * buffered for a connection that dropped are lost, as they are over TCP. It reconnects after
 * reconnectInterval plus up to as much again at random (libzmq's jitter), doubling up to
 * reconnectMaxInterval, until stopped.
 */
export class Pipe {
  readonly endpoint: string
  /** The peer of the ready connection; null while there is none. */
  peer: PeerInfo | null = null
  /** Messages received and not yet taken by the socket (see FairQueue). */
  readonly inbound = new Queue<Uint8Array[]>()
  readonly #owner: PipeOwner
  readonly #outbound = new Queue<Uint8Array[]>()
  #connection: ZwsConnection | null = null
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #retryDelay = -1
  #stopped = false

  constructor(owner: PipeOwner, endpoint: string) {
    this.#owner = owner
    this.endpoint = endpoint
    this.#connect()
  }

  /** A connection is ready: what is written goes straight to the WebSocket. */
  get up(): boolean {
    return this.peer !== null
  }

  get stopped(): boolean {
    return this.#stopped
  }

  /** Messages on their way: waiting for a connection, or in the browser's WebSocket buffer. */
  get pending(): number {
    return this.#outbound.length + (this.#connection?.queued() ?? 0)
  }

  /** At sendHighWaterMark: a write now would go over it. */
  get full(): boolean {
    const limit = this.#owner.sendHighWaterMark
    return limit > 0 && this.pending >= limit
  }

  /** Up, and the browser holds messages that it will send by itself (full may end unasked). */
  get draining(): boolean {
    return this.peer !== null && this.#connection!.queued() > 0
  }

  /** Queues or sends a whole message; the caller checked `full` when it matters. */
  write(frames: readonly Uint8Array[]): void {
    if (this.peer && this.#outbound.length === 0) this.#connection!.send(frames)
    else this.#outbound.push(frames as Uint8Array[])
  }

  /** Ends the pipe now: its connection closes and nothing more is heard. */
  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    clearTimeout(this.#retryTimer)
    this.#connection?.close()
    this.#connection = null
    this.peer = null
    this.#outbound.drain()
  }

  /** Stops once every pending message has gone out, or after `linger` ms (-1: no limit). */
  stopAfter(linger: number): Promise<void> {
    const deadline = linger < 0 ? Number.POSITIVE_INFINITY : Date.now() + linger
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.#stopped || this.pending === 0 || Date.now() >= deadline) {
          this.stop()
          resolve()
        } else {
          // The browser says nothing when its buffer empties: look again shortly.
          setTimeout(check, 10)
        }
      }
      check()
    })
  }

  #connect(): void {
    const address = this.endpoint
    const owner = this.#owner
    let opened = false
    const connection: ZwsConnection = new ZwsConnection(owner.connectionConfig(address), {
      opened: () => {
        opened = true
        owner.pipeEvent({ type: "connect", address })
      },
      ready: (peer) => {
        this.peer = peer
        this.#retryDelay = -1
        for (const frames of this.#outbound.drain()) connection.send(frames)
        owner.pipeEvent({ type: "handshake", address })
        owner.pipeReady(this)
      },
      message: (frames) => owner.pipeMessage(this, frames),
      subscription: (topic, subscribe) => owner.pipeSubscription(this, topic, subscribe),
      closed: (error) => this.#closed(opened, error),
    })
    this.#connection = connection
  }

  #closed(opened: boolean, error: Error | null): void {
    const owner = this.#owner
    const address = this.endpoint
    const wasUp = this.peer !== null
    this.peer = null
    this.#connection = null
    if (wasUp) {
      owner.pipeEvent({ type: "disconnect", address })
      owner.pipeLost(this)
    } else if (opened && error) {
      const code = (error as { code?: string }).code
      const type =
        code === "EACCES"
          ? "handshake:error:auth"
          : code === "EPROTO" || code === "EMSGSIZE"
            ? "handshake:error:protocol"
            : "handshake:error:other"
      owner.pipeEvent({ type, address, error })
    }
    if (this.#stopped) return
    const base = owner.reconnectInterval
    if (base < 0) {
      this.stop()
      owner.pipeEnded(this)
      return
    }
    if (this.#retryDelay < 0) this.#retryDelay = base
    const interval = this.#retryDelay + Math.floor(Math.random() * this.#retryDelay)
    const max = owner.reconnectMaxInterval
    if (max > 0) this.#retryDelay = Math.min(this.#retryDelay * 2, max)
    owner.pipeEvent({ type: "connect:retry", address, interval })
    this.#retryTimer = setTimeout(() => this.#connect(), interval)
  }
}
