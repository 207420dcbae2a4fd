import { threadId } from "node:worker_threads"
import { ZmqError } from "@omq/transport"
import { ThreadHold } from "../util/thread-hold.js"
import { EndpointSocket } from "./endpoint-socket.js"
import type { ThreadLinkShared } from "./shared/link-end.js"
import type { SharedSocketHandle } from "./shared/shared-handle.js"
import { checkThreadSafe } from "./shared/thread-safe.js"
import { socketClosedForThreads, ThreadShares } from "./shared/thread-shares.js"
import { WaitingCalls } from "./waiting-calls.js"

/** Told when a socket's readiness may have changed (a Poller; see poller.ts). */
export interface ReadinessWatcher {
  changed(socket: object): void
}

/**
 * The calls that wait on a socket, and what they hold: the ordered lines of waiting send() and
 * receive() calls (SocketBase makes and serves them), other threads attached with their calls
 * (thread-safe types, share()), the pollers told when readiness may have changed, the hold on
 * the thread while any of it waits, and the end of all of them at close() or context shutdown.
 * `Resolved` is what a waiting receive() resolves to.
 *
 * Lives on the thread that created it, and is used only there.
 */
export abstract class WaitingSocket<Resolved> extends EndpointSocket {
  // The lines and threadShares are fields, not getters: SocketBase's send and receive read
  // them for every message.
  /** Waiting send() calls, with the frames each one sends. */
  protected readonly sendCalls = new WaitingCalls<void, Uint8Array[]>("send", () =>
    this.#callsSettled(),
  )
  /** Waiting receive() calls; `true` marks a receiveWithProperties(). */
  protected readonly receiveCalls = new WaitingCalls<Resolved, boolean>("receive", () =>
    this.#callsSettled(),
  )
  /** Other threads attached to this socket (thread-safe types only; see share()). */
  protected threadShares: ThreadShares | null = null
  /**
   * Whether this socket keeps its thread alive: while a call of the application waits on it,
   * or messages it accepted are on their way to a peer that is taking them (PipedSocket's
   * inFlight). An idle socket, or one whose messages wait for an absent peer, does not: the
   * process exits when the application is done, as with zeromq.js, and never hangs on a peer
   * that is not there.
   */
  readonly #hold = new ThreadHold(() => this.contextCore.mailbox)
  #finished = false
  /** Pollers watching this socket's readiness (see poller.ts); null while there are none. */
  #watchers: Set<ReadinessWatcher> | null = null

  /** Sends frames that framesToSend made (here, or on an attached thread). */
  protected abstract sendFrames(frames: Uint8Array[]): Promise<void>
  /** The next message for an attached thread (exported form), or null. */
  protected abstract takeForThread(): Buffer[] | null
  /** An attached thread gave a message back untaken: it is received again first. */
  protected abstract takeBack(frames: Buffer[]): void

  /** A Poller starts (or stops) being told when this socket's readiness may have changed. @internal */
  watch(watcher: ReadinessWatcher, on: boolean): void {
    if (on) (this.#watchers ??= new Set()).add(watcher)
    else if (this.#watchers?.delete(watcher) && this.#watchers.size === 0) this.#watchers = null
  }

  /** Tells the pollers (a REQ is no longer writable after a send, a REP readable again...). */
  protected readinessMayHaveChanged(): void {
    if (this.#watchers) for (const watcher of this.#watchers) watcher.changed(this)
  }

  /** send() calls waiting for a peer or credit (REQ's state machine counts them). */
  protected get sendsWaiting(): number {
    return this.sendCalls.length
  }

  /** receive() calls waiting for a message (REP's state machine counts them). */
  protected get receivesWaiting(): number {
    return this.receiveCalls.length
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
    this.threadShares ??= new ThreadShares({
      sendFrames: (frames) => this.sendFrames(frames),
      takeForThread: () => this.takeForThread(),
      givenBack: (frames) => this.takeBack(frames),
      liveRoutingIds: () => this.liveRoutingIds(),
      keepAlive: this.keepAlive,
      attachedChanged: () => this.updateHold(),
    })
    return this.threadShares.attach(from)
  }

  /** SERVER/PEER: the routing ids of the peers now (what attached threads may send to). */
  protected liveRoutingIds(): Iterable<number> {
    return []
  }

  /** SERVER/PEER: a peer's routing id came up or went; attached threads learn it. */
  protected routingIdChanged(id: number, live: boolean): void {
    this.threadShares?.routingId(id, live)
  }

  // ---- the end of the calls --------------------------------------------------------------------

  /**
   * Closes the socket now. Waiting send()/receive() calls reject with EAGAIN; messages already
   * accepted are still delivered for up to `linger` ms (see `finished`).
   */
  close(): void {
    if (this.closed || this.deferClose() || !this.markClosed()) return
    if (this.sendCalls.length > 0) this.sendCalls.rejectAll(closedError())
    if (this.receiveCalls.length > 0) this.receiveCalls.rejectAll(closedError())
    this.threadShares?.closeAll(socketClosedForThreads())
    this.readinessMayHaveChanged()
    this.updateHold()
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
    this.receiveCalls.rejectAll(new ZmqError("EAGAIN", "receive cancelled"))
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
    this.threadShares?.closeAll(error)
    this.readinessMayHaveChanged()
  }

  protected failWaitingCalls(error: ZmqError): void {
    this.sendCalls.rejectAll(error)
    this.receiveCalls.rejectAll(error)
  }

  /** @internal */
  override threadDied(thread: number): void {
    this.threadShares?.threadDied(thread)
    super.threadDied(thread)
  }

  // ---- the hold on the thread ----------------------------------------------------------------

  /** The last waiting send() or receive() left (settled or timed out). */
  #callsSettled(): void {
    this.updateHold()
    this.readinessMayHaveChanged()
  }

  protected override inFlightChanged(): void {
    this.updateHold()
  }

  /**
   * Held while calls wait, messages are in flight or threads are attached (see #hold). A closing
   * socket holds its thread for its linger, as libzmq's term waits for it.
   */
  protected updateHold(): void {
    this.#hold.set(
      !this.#finished &&
        (this.closed ||
          this.sendCalls.length > 0 ||
          this.receiveCalls.length > 0 ||
          this.inFlight > 0 ||
          this.threadShares?.attached === true),
    )
  }

  protected override async finishClose(): Promise<void> {
    await super.finishClose()
    this.#finished = true
    this.updateHold()
  }
}

/** For calls still waiting when the socket closes (zeromq.js ends `for await` on this). */
function closedError(): ZmqError {
  return new ZmqError("EAGAIN", "socket was closed while the call waited")
}
