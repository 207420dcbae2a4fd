import type { ZmqError } from "@omq/transport"
import type { ContextSocket } from "../context.js"
import { TRANSFER_FROM } from "../ring/lane.js"
import { takeLent } from "../ring/lent-frames.js"
import { Queue } from "../util/queue.js"
import { type Message, toFrames } from "./message.js"
import { MessageProperties, pipeProperties } from "./message-properties.js"
import { badSocket } from "./registered-socket.js"
import { ResolveBudget } from "./resolve-budget.js"
import { WaitingSocket } from "./waiting-socket.js"

export type { Message, MessageLike } from "./message.js"
export { type SocketConstructorOptions, socketEvents } from "./registered-socket.js"

/** A message and the properties of the connection it came over. */
export type WithProperties<Received = Buffer[]> = [message: Received, properties: MessageProperties]

/**
 * What every socket type shares: options, endpoints (EndpointSocket), its pipes (see pipe.ts: a
 * socket type sees only Peers, whatever carries them), and the application's send() and
 * receive() calls: each one done at once when it can be, or else waiting in order (any number
 * may be outstanding; they are served in call order, see WaitingSocket) until room, a peer or a
 * message comes; readiness for pollers. A socket type adds routing by implementing the x*
 * hooks, and makes public the message calls it can do (socket-capabilities.ts).
 *
 * Lives on the thread that created it, and is used only there.
 */
export abstract class SocketBase<Received = Buffer[], SendOptions = undefined>
  extends WaitingSocket<Received | WithProperties<Received>>
  implements ContextSocket
{
  /** retrySends() is running (see there), and was asked again meanwhile. */
  #retrying = false
  #retryAgain = false
  readonly #budget = new ResolveBudget()
  /** Messages attached threads gave back untaken (exported form): received again first. */
  #givenBack: Queue<Buffer[]> | null = null

  /**
   * A receive() now would resolve at once with a message (libzmq's ZMQ_POLLIN): one is queued,
   * no earlier receive() waits for it, and the socket type's state allows a receive.
   */
  get readable(): boolean {
    return (
      !this.closed &&
      !this.broken &&
      this.receiveCalls.length === 0 &&
      ((this.#givenBack?.length ?? 0) > 0 || this.xhasIn())
    )
  }

  /**
   * A send() now would be accepted at once (libzmq's ZMQ_POLLOUT): the socket type has
   * somewhere to send, no earlier send() waits, and the IO side has room.
   */
  get writable(): boolean {
    return (
      !this.closed &&
      !this.broken &&
      this.sendCalls.length === 0 &&
      (this.host === null || this.host.canSend()) &&
      this.xhasOut()
    )
  }

  // ---- send / receive ------------------------------------------------------------------------

  /**
   * Queues a message (one frame or an array of frames) for sending. Resolves once the socket has
   * accepted it; waits while the socket type cannot route it (no peer, or every peer at its
   * high-water mark) and rejects with EAGAIN after `sendTimeout`.
   */
  protected send(message: Message, options?: SendOptions): Promise<void> {
    if (this.closed || this.broken) return Promise.reject(this.broken ?? badSocket())
    let frames: Uint8Array[]
    try {
      frames = this.framesToSend(message, options)
    } catch (err) {
      return Promise.reject(err)
    }
    return this.sendFrames(frames)
  }

  /** Sends frames that framesToSend made (here, or on an attached thread). */
  protected override sendFrames(frames: Uint8Array[]): Promise<void> {
    if (this.closed || this.broken) return Promise.reject(this.broken ?? badSocket())
    try {
      if (this.sendCalls.length === 0 && this.#canSend(frames) && this.xsend(frames)) {
        this.readinessMayHaveChanged() // a REQ is no longer writable, a REP readable again...
        return this.#budget.resolve(undefined)
      }
    } catch (err) {
      return Promise.reject(err)
    }
    this.#budget.waited()
    const sent = this.sendCalls.wait(frames, this.options.sendTimeout)
    this.updateHold()
    return sent
  }

  /**
   * Sends a message now if the socket can take it without waiting: true when it was accepted,
   * false (nothing queued, nothing copied) when send() would have waited: every peer at its
   * high-water mark, no peer yet, or earlier send() calls still waiting (order is kept). For hot
   * loops, which then need no promise per message; on false, await `send()` or retry later.
   * Throws what send() would reject with (EBADF once closed, EFSM out of turn, EHOSTUNREACH...).
   */
  protected trySend(message: Message, options?: SendOptions): boolean {
    this.checkOpen()
    const frames = this.framesToSend(message, options)
    const sent = this.sendCalls.length === 0 && this.#canSend(frames) && this.xsend(frames)
    if (sent) this.readinessMayHaveChanged()
    return sent
  }

  /** Resolves with the next message's frames; rejects with EAGAIN after `receiveTimeout`. */
  protected receive(): Promise<Received> {
    return this.#receive(false) as Promise<Received>
  }

  /**
   * As receive(), with the properties of the connection the message came over (libzmq's
   * zmq_msg_gets): the peer's Socket-Type, Identity and "X-" properties, User-Id from ZAP,
   * and Peer-Address.
   */
  protected receiveWithProperties(): Promise<WithProperties<Received>> {
    return this.#receive(true) as Promise<WithProperties<Received>>
  }

  #receive(withProperties: boolean): Promise<Received | WithProperties<Received>> {
    if (this.closed || this.broken) return Promise.reject(this.broken ?? badSocket())
    if (this.receiveCalls.length === 0) {
      try {
        const message = this.#take(withProperties)
        if (message !== null) {
          this.readinessMayHaveChanged() // a REQ is writable again, a REP owes a reply...
          return this.#budget.resolve(message)
        }
      } catch (err) {
        return Promise.reject(err)
      }
    }
    this.#budget.waited()
    const received = this.receiveCalls.wait(withProperties, this.options.receiveTimeout)
    this.updateHold()
    return received
  }

  /** A message as a receive call hands it out: with its peer's properties when asked. */
  #received(frames: Buffer[], withProperties: boolean): Received | WithProperties<Received> {
    const message = this.receivedMessage(frames)
    if (!withProperties) return message
    const peer = this.lastPeer!
    peer.messageProperties ??= new MessageProperties(peer.properties ?? pipeProperties(peer))
    return [message, peer.messageProperties]
  }

  /**
   * The next message for a receive() here, or null: one an attached thread gave back comes
   * first (its peer's properties are not kept: it gets empty ones).
   */
  #take(withProperties: boolean): Received | WithProperties<Received> | null {
    const back = this.#givenBack?.shift()
    if (back) {
      const message = this.importReturned(back)
      return withProperties ? [message, new MessageProperties(new Map())] : message
    }
    const frames = this.xrecv()
    return frames && this.#received(takeLent(frames), withProperties)
  }

  protected override takeForThread(): Buffer[] | null {
    const back = this.#givenBack?.shift()
    if (back) return back
    const frames = this.xrecv()
    return frames && this.exportReceived(takeLent(frames))
  }

  protected override takeBack(frames: Buffer[]): void {
    ;(this.#givenBack ??= new Queue()).push(frames)
    this.retryReceives()
    this.readinessMayHaveChanged()
  }

  /**
   * send()'s arguments as the frames xsend routes. The draft types check for a single frame
   * here and put what their options say (routing id, group) in front.
   */
  protected framesToSend(message: Message, _options: SendOptions | undefined): Uint8Array[] {
    return toFrames(message)
  }

  /** What receive() resolves to, from the frames xrecv took (the draft types reshape them). */
  protected receivedMessage(frames: Buffer[]): Received {
    return frames as Received
  }

  /** The frames an attached thread gets for a message xrecv took (see shared/). */
  protected exportReceived(frames: Buffer[]): Buffer[] {
    return frames
  }

  /** What receive() gives here for a message an attached thread gave back (exported form). */
  protected importReturned(frames: Buffer[]): Received {
    return this.receivedMessage(frames)
  }

  /** AsyncIterable (no next(): for-await, which ignores `protected`, refuses it) until public. */
  protected async *[Symbol.asyncIterator](): AsyncIterable<Received> {
    while (!this.closed) {
      try {
        yield await this.receive()
      } catch (err) {
        if (this.closed && (err as ZmqError).code === "EAGAIN") return
        throw err
      }
    }
  }

  /** Whether a message may go now: the host channel's backlog and the transfer budget allow it. */
  #canSend(frames: readonly Uint8Array[]): boolean {
    return (
      (this.host === null || this.host.canSend()) &&
      this.transferPool.hasRoomForFrames(frames, TRANSFER_FROM)
    )
  }

  /** Serves waiting send() calls after credit or a peer became available. @internal */
  retrySends(): void {
    this.readinessMayHaveChanged()
    // Not again from inside xsend(): a send served there would retry the message being sent
    // (and send it twice) or go out of order. Pool memory coming back inside a write no longer
    // calls here at once (see RegisteredSocket's #budgetReturned); this guards any other way in.
    if (this.#retrying) {
      this.#retryAgain = true
      return
    }
    this.#retrying = true
    try {
      do {
        this.#retryAgain = false
        this.#serveSends()
      } while (this.#retryAgain)
    } finally {
      this.#retrying = false
    }
  }

  #serveSends(): void {
    const sends = this.sendCalls
    while (sends.length > 0) {
      const frames = sends.peek()!
      if (!this.#canSend(frames)) return
      try {
        if (!this.xsend(frames)) return
      } catch (err) {
        sends.rejectNext(err as Error)
        continue
      }
      sends.resolveNext()
    }
  }

  /** Serves waiting receive() calls after a message arrived. */
  protected retryReceives(): void {
    const receives = this.receiveCalls
    while (receives.length > 0) {
      const message = this.#take(receives.peek() === true)
      if (message === null) break
      receives.resolveNext(message)
    }
    this.threadShares?.serve()
  }

  // ---- hooks for socket types, and the rest of PipeOwner (see PipedSocket) ----------------

  /** Routes a message now, or returns false to wait for credit or a peer. May throw. */
  protected abstract xsend(frames: Uint8Array[]): boolean
  /** Takes the next message for the application, or null. */
  protected abstract xrecv(): Buffer[] | null
  /** A message could be taken now (libzmq's xhas_in); types that receive override it. */
  protected xhasIn(): boolean {
    return false
  }
  /** A message could be routed now (libzmq's xhas_out); types that send override it. */
  protected xhasOut(): boolean {
    return false
  }

  /** @internal */
  pipesDrained(): void {
    if (this.sendCalls.length > 0) this.retrySends()
    if (this.receiveCalls.length > 0 || this.threadShares?.waiting) this.retryReceives()
    this.readinessMayHaveChanged()
  }
}
