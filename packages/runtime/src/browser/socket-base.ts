import { ZmqError } from "@omq/transport/zmtp"
// The Node sockets' own line of waiting calls: pure, so pages share it.
import { WaitingCalls } from "../socket/waiting-calls.js"
import { EndpointSocket } from "./endpoint-socket.js"
import { type Message, toFrames } from "./frames.js"
import type { PipeOwner } from "./pipe.js"
import type { SocketConstructorOptions } from "./socket-options.js"

const RESOLVED = Promise.resolve()

/**
 * What every browser socket shares, over its EndpointSocket (options, endpoints, pipes, close):
 * the application's send(), trySend() and receive(), with ordered queues of the calls that wait
 * for room or a message, and readiness. A socket type adds its routing through the x* hooks
 * (see EndpointSocket), as libzmq's socket_base_t does.
 */
// `implements PipeOwner` restates EndpointSocket's, so that the docs still name it here.
export abstract class SocketBase extends EndpointSocket implements PipeOwner {
  readonly #sends = new WaitingCalls<void, Uint8Array[]>("send")
  readonly #receives = new WaitingCalls<Uint8Array[]>("receive")
  #drainTimer: ReturnType<typeof setTimeout> | undefined

  /** A receive() now would resolve at once (libzmq's ZMQ_POLLIN). */
  get readable(): boolean {
    return !this.closed && this.#receives.length === 0 && this.xhasIn()
  }

  /** A send() now would be accepted at once (libzmq's ZMQ_POLLOUT). */
  get writable(): boolean {
    return !this.closed && this.#sends.length === 0 && this.xhasOut()
  }

  // send(), trySend(), receive() and for-await are protected: each socket type makes public
  // those it can do, in an interface merged with its class (see socket/socket-capabilities.ts).

  /** Queues a message; resolves once accepted, rejects with EAGAIN after `sendTimeout`. */
  protected send(message: Message): Promise<void> {
    if (this.closed) return Promise.reject(closedError())
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
    this.checkOpen()
    return this.#sends.length === 0 && this.xsend(toFrames(message))
  }

  /** Resolves with the next message's frames; rejects with EAGAIN after `receiveTimeout`. */
  protected receive(): Promise<Uint8Array[]> {
    if (this.closed) return Promise.reject(closedError())
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
    while (!this.closed) {
      try {
        yield await this.receive()
      } catch (err) {
        if (this.closed && (err as ZmqError).code === "EAGAIN") return
        throw err
      }
    }
  }

  protected override closing(): void {
    clearTimeout(this.#drainTimer)
    this.#sends.rejectAll(closedError())
    this.#receives.rejectAll(closedError())
  }

  /** Serves waiting send() calls; call it when a socket type may route again. */
  protected override retrySends(): void {
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
  protected override retryReceives(): void {
    const receives = this.#receives
    while (receives.length > 0) {
      const frames = this.xrecv()
      if (!frames) break
      receives.resolveNext(frames)
    }
  }

  /** send() calls waiting (REQ's state machine counts them). */
  protected override get sendsWaiting(): number {
    return this.#sends.length
  }

  /**
   * The browser says nothing when its WebSocket buffer empties, so while send() calls wait and
   * some pipe's messages sit in that buffer, routing is tried again shortly.
   */
  #watchDrain(): void {
    if (this.#drainTimer !== undefined || this.#sends.length === 0) return
    let draining = false
    for (const pipe of this.attachedPipes) draining ||= pipe.draining
    if (!draining) return
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = undefined
      this.retrySends()
    }, 1)
  }
}

/** For calls still waiting when the socket closes (zeromq.js ends `for await` on this). */
function closedError(): ZmqError {
  return new ZmqError("EAGAIN", "socket was closed while the call waited")
}

export type { SocketConstructorOptions }
