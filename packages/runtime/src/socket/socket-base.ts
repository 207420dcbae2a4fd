import { threadId } from "node:worker_threads"
import { ZmqError } from "@omq/transport"
import type { ContextSocket } from "../context.js"
import { TRANSFER_FROM } from "../ring/lane.js"
import { takeLent } from "../ring/lent-frames.js"
import { Queue } from "../util/queue.js"
import { ThreadHold } from "../util/thread-hold.js"
import { EndpointSocket } from "./endpoint-socket.js"
import { type Message, toFrames } from "./message.js"
import { MessageProperties, pipeProperties } from "./message-properties.js"
import { badSocket } from "./registered-socket.js"
import { ResolveBudget } from "./resolve-budget.js"
import type { ThreadLinkShared } from "./shared/link-end.js"
import type { SharedSocketHandle } from "./shared/shared-handle.js"
import { checkThreadSafe } from "./shared/thread-safe.js"
import { socketClosedForThreads, ThreadShares } from "./shared/thread-shares.js"
import { WaitingCalls } from "./waiting-calls.js"

export type { Message, MessageLike } from "./message.js"
export { type SocketConstructorOptions, socketEvents } from "./registered-socket.js"

/** Told when a socket's readiness may have changed (a Poller; see poller.ts). */
export interface ReadinessWatcher {
  changed(socket: object): void
}

/** A message and the properties of the connection it came over. */
export type WithProperties<Received = Buffer[]> = [message: Received, properties: MessageProperties]

/**
 * What every socket type shares: options, endpoints (EndpointSocket), its pipes (see pipe.ts: a
 * socket type sees only Peers, whatever carries them), and ordered queues of waiting send() and
 * receive() calls (any number may be outstanding; they are served in call order), readiness for
 * pollers, and, for the thread-safe types, other threads attached. A socket type adds routing by
 * implementing the x* hooks, and makes public the message calls it can do (socket-capabilities.ts).
 *
 * Lives on the thread that created it, and is used only there.
 */
export abstract class SocketBase<Received = Buffer[], SendOptions = undefined>
  extends EndpointSocket
  implements ContextSocket
{
  readonly #sends = new WaitingCalls<void, Uint8Array[]>("send", () => this.#callsSettled())
  /** retrySends() is running (see there), and was asked again meanwhile. */
  #retrying = false
  #retryAgain = false
  /** Waiting receive() calls; `true` marks a receiveWithProperties(). */
  readonly #receives = new WaitingCalls<Received | WithProperties<Received>, boolean>(
    "receive",
    () => this.#callsSettled(),
  )
  /**
   * Whether this socket keeps its thread alive: while a call of the application waits on it,
   * or messages it accepted are on their way to a peer that is taking them (PipedSocket's
   * inFlight). An idle socket, or one whose messages wait for an absent peer, does not: the
   * process exits when the application is done, as with zeromq.js, and never hangs on a peer
   * that is not there.
   */
  readonly #hold = new ThreadHold(() => this.contextCore.mailbox)
  #finished = false
  readonly #budget = new ResolveBudget()
  /** Messages attached threads gave back untaken (exported form): received again first. */
  #givenBack: Queue<Buffer[]> | null = null
  /** Other threads attached to this socket (thread-safe types only; see share()). */
  #shares: ThreadShares | null = null
  /** Pollers watching this socket's readiness (see poller.ts); null while there are none. */
  #watchers: Set<ReadinessWatcher> | null = null

  /**
   * A receive() now would resolve at once with a message (libzmq's ZMQ_POLLIN): one is queued,
   * no earlier receive() waits for it, and the socket type's state allows a receive.
   */
  get readable(): boolean {
    return (
      !this.closed &&
      !this.broken &&
      this.#receives.length === 0 &&
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
      this.#sends.length === 0 &&
      (this.host === null || this.host.canSend()) &&
      this.xhasOut()
    )
  }

  /** A Poller starts (or stops) being told when this socket's readiness may have changed. @internal */
  watch(watcher: ReadinessWatcher, on: boolean): void {
    if (on) (this.#watchers ??= new Set()).add(watcher)
    else if (this.#watchers?.delete(watcher) && this.#watchers.size === 0) this.#watchers = null
  }

  #readinessMayHaveChanged(): void {
    if (this.#watchers) for (const watcher of this.#watchers) watcher.changed(this)
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
    return this.#sendFrames(frames)
  }

  /** Sends frames that framesToSend made (here, or on an attached thread). */
  #sendFrames(frames: Uint8Array[]): Promise<void> {
    if (this.closed || this.broken) return Promise.reject(this.broken ?? badSocket())
    try {
      if (this.#sends.length === 0 && this.#canSend(frames) && this.xsend(frames)) {
        this.#readinessMayHaveChanged() // a REQ is no longer writable, a REP readable again...
        return this.#budget.resolve(undefined)
      }
    } catch (err) {
      return Promise.reject(err)
    }
    this.#budget.waited()
    const sent = this.#sends.wait(frames, this.options.sendTimeout)
    this.#updateHold()
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
    const sent = this.#sends.length === 0 && this.#canSend(frames) && this.xsend(frames)
    if (sent) this.#readinessMayHaveChanged()
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
    if (this.#receives.length === 0) {
      try {
        const message = this.#take(withProperties)
        if (message !== null) {
          this.#readinessMayHaveChanged() // a REQ is writable again, a REP owes a reply...
          return this.#budget.resolve(message)
        }
      } catch (err) {
        return Promise.reject(err)
      }
    }
    this.#budget.waited()
    const received = this.#receives.wait(withProperties, this.options.receiveTimeout)
    this.#updateHold()
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

  /** SERVER/PEER: the routing ids of the peers now (what attached threads may send to). */
  protected liveRoutingIds(): Iterable<number> {
    return []
  }

  /** SERVER/PEER: a peer's routing id came up or went; attached threads learn it. */
  protected routingIdChanged(id: number, live: boolean): void {
    this.#shares?.routingId(id, live)
  }

  // ---- sharing with other threads (thread-safe types) ----------------------------------------

  /**
   * A handle (plain data: `workerData`, `postMessage`) with which other threads of this process
   * attach to this socket (`attachShared(handle)`) and send and receive on it: libzmq's
   * thread-safe types. Each received message goes to one receive() call of one thread, the
   * longest-waiting first (this thread's own calls first). EINVAL for the classic types.
   */
  share(): SharedSocketHandle<this> {
    this.checkOpen()
    checkThreadSafe(this.type)
    // Attaching threads call this thread's mailbox, and a message to a mailbox not yet open is
    // lost (a BroadcastChannel reaches only the channels open when it is posted): open it now,
    // before the handle can leave. (With ioThreads: 0 nothing else may have opened it.)
    void this.context.mailbox
    return { context: this.context.handle, thread: threadId, socket: this.id, type: this.type }
  }

  /** Another thread attaches (see share()). @internal */
  acceptThread(from: number): ThreadLinkShared {
    this.checkOpen()
    checkThreadSafe(this.type)
    this.#shares ??= new ThreadShares({
      sendFrames: (frames) => this.#sendFrames(frames),
      takeForThread: () => {
        const back = this.#givenBack?.shift()
        if (back) return back
        const frames = this.xrecv()
        return frames && this.exportReceived(takeLent(frames))
      },
      givenBack: (frames) => {
        ;(this.#givenBack ??= new Queue()).push(frames)
        this.retryReceives()
        this.#readinessMayHaveChanged()
      },
      liveRoutingIds: () => this.liveRoutingIds(),
      keepAlive: this.keepAlive,
      attachedChanged: () => this.#updateHold(),
    })
    return this.#shares.attach(from)
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

  /**
   * Closes the socket now. Waiting send()/receive() calls reject with EAGAIN; messages already
   * accepted are still delivered for up to `linger` ms (see `finished`).
   */
  close(): void {
    if (this.closed || this.deferClose() || !this.markClosed()) return
    if (this.#sends.length > 0) this.#sends.rejectAll(closedError())
    if (this.#receives.length > 0) this.#receives.rejectAll(closedError())
    this.#shares?.closeAll(socketClosedForThreads())
    this.#readinessMayHaveChanged()
    this.#updateHold()
    void this.finishClose()
  }

  /**
   * Whether the process, about to exit, waits for this socket (see process/exit-wait.ts): it is
   * open, its linger is not 0, and messages it accepted for a network peer have not gone out.
   * @internal
   */
  get queuedAtExit(): boolean {
    return !this.closed && this.options.linger !== 0 && this.queuedForNetwork
  }

  /**
   * Rejects every waiting receive() with EAGAIN, leaving the socket open. For whoever owns the
   * receive loop (Proxy.terminate), so that an abandoned receive does not take a message.
   */
  cancelPendingReceives(): void {
    this.#receives.rejectAll(new ZmqError("EAGAIN", "receive cancelled"))
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
    this.#readinessMayHaveChanged()
    // Not again from inside xsend(): a send served there would retry the message being sent
    // (and send it twice) or go out of order. Pool memory coming back inside a write no longer
    // calls here at once (see EndpointSocket's #budgetReturned); this guards any other way in.
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
    const sends = this.#sends
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
    const receives = this.#receives
    while (receives.length > 0) {
      const message = this.#take(receives.peek() === true)
      if (message === null) break
      receives.resolveNext(message)
    }
    this.#shares?.serve()
  }

  /** send() calls waiting for a peer or credit (REQ's state machine counts them). */
  protected get sendsWaiting(): number {
    return this.#sends.length
  }

  /** receive() calls waiting for a message (REP's state machine counts them). */
  protected get receivesWaiting(): number {
    return this.#receives.length
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
    if (this.#sends.length > 0) this.retrySends()
    if (this.#receives.length > 0 || this.#shares?.waiting) this.retryReceives()
    this.#readinessMayHaveChanged()
  }

  /**
   * The context was shut down (context.shutdown() or terminate(), on any thread): waiting calls
   * reject with ETERM, and every later call except close() does too. @internal
   */
  contextShutDown(): void {
    if (this.closed || this.broken) return
    const error = new ZmqError("ETERM", "context was shut down")
    this.breakWith(error)
    this.failWaitingCalls(error)
    this.#shares?.closeAll(error)
    this.#readinessMayHaveChanged()
  }

  /** The last waiting send() or receive() left (settled or timed out). */
  #callsSettled(): void {
    this.#updateHold()
    this.#readinessMayHaveChanged()
  }

  protected override inFlightChanged(): void {
    this.#updateHold()
  }

  /** A closing socket holds its thread for its linger, as libzmq's term waits for it. */
  #updateHold(): void {
    this.#hold.set(
      !this.#finished &&
        (this.closed ||
          this.#sends.length > 0 ||
          this.#receives.length > 0 ||
          this.inFlight > 0 ||
          this.#shares?.attached === true),
    )
  }

  protected override async finishClose(): Promise<void> {
    await super.finishClose()
    this.#finished = true
    this.#updateHold()
  }

  protected failWaitingCalls(error: ZmqError): void {
    this.#sends.rejectAll(error)
    this.#receives.rejectAll(error)
  }

  /** @internal */
  override threadDied(thread: number): void {
    this.#shares?.threadDied(thread)
    super.threadDied(thread)
  }
}

/** For calls still waiting when the socket closes (zeromq.js ends `for await` on this). */
function closedError(): ZmqError {
  return new ZmqError("EAGAIN", "socket was closed while the call waited")
}
