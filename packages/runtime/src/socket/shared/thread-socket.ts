import { type SocketType, ZmqError } from "@omq/transport"
import type { Context, ContextSocket } from "../../context.js"
import { RecordKind } from "../../ring/records.js"
import { TransferPool } from "../../ring/transfer-pool.js"
import { Queue } from "../../util/queue.js"
import { ThreadHold } from "../../util/thread-hold.js"
import type { RadioGroup } from "../draft/radio.js"
import type { ServerRouting } from "../draft/server.js"
import type { Message } from "../message.js"
import { LinkEnd, type ThreadLinkShared } from "./link-end.js"
import type { AttachOptions, SharedSocketHandle } from "./shared-handle.js"
import { threadSafeShape } from "./thread-safe-types.js"

interface Waiting<T> {
  resolve(value: T): void
  reject(err: Error): void
}

/** Sends resolved early that may await their answer at once (see send()). */
const SEND_WINDOW = 256
const RESOLVED = Promise.resolve()
/**
 * A send resolved when pushed. Should the socket refuse it after all (its peer went in the
 * meantime), it is dropped like a message to a peer that left just after it was sent.
 */
const ANSWERED_EARLY: Waiting<void> = { resolve() {}, reject() {} }

/**
 * A thread-safe socket (SERVER, CLIENT, RADIO, DISH, SCATTER, GATHER, PEER, CHANNEL) as seen
 * from another thread than its own: send() and receive() as on the socket itself, carried over a
 * ring pair to the socket's thread, which routes the sends and hands each received message to
 * one waiting receive() of one thread, the longest-waiting first.
 *
 * Lives on the thread that attached; the socket itself stays on its own thread. Its send(),
 * receive() and for-await are protected here: attachShared() returns an AttachedSocket, which
 * makes public those the shared socket's class has, typed as there.
 */
export class ThreadSocket extends LinkEnd implements ContextSocket {
  readonly type: SocketType
  readonly context: Context
  readonly finished: Promise<void>
  readonly #id: number
  /** The thread the socket lives on. */
  readonly #ownerThread: number
  readonly #shape: ReturnType<typeof threadSafeShape>
  /** Sends awaiting the socket's answer, in order (ANSWERED_EARLY: resolved when pushed). */
  readonly #sends = new Queue<Waiting<void>>()
  /** Messages handed over ahead of a receive() (see AttachOptions.readAhead). */
  readonly #readyMessages = new Queue<Buffer[]>()
  /** SERVER/PEER: the routing ids live on the socket, as its thread last said. */
  readonly #liveIds = new Set<number>()
  readonly #receives = new Queue<Waiting<unknown>>()
  #failure: ZmqError | null = null
  /** The socket was closed on its own thread (a for-await here then ends). */
  #ownerGone = false
  readonly #hold = new ThreadHold(() => this.context.mailbox)
  /** close() waits for the socket's thread to answer (see close()). */
  #closing = false
  #released = false
  #closed = false
  #finish!: () => void

  /** Use attachShared(). @internal */
  constructor(
    handle: SharedSocketHandle,
    context: Context,
    shared: ThreadLinkShared,
    options: AttachOptions = {},
  ) {
    super(shared.toOwner, shared.toThread, shared.lane, new TransferPool(), context.mailbox)
    this.type = handle.type
    this.#ownerThread = handle.thread
    this.context = context
    this.#shape = threadSafeShape(handle.type)
    this.finished = new Promise((resolve) => {
      this.#finish = resolve
    })
    this.#id = context.register(this)
    this.start()
    const readAhead = options.readAhead ?? 0
    if (readAhead > 0 && this.#shape.receives) this.outbox.push(RecordKind.Credit, 0, readAhead)
  }

  get closed(): boolean {
    return this.#closed
  }

  /**
   * As the socket's send(). A send that cannot fail on the socket's thread (any but a SERVER's
   * or PEER's to a routing id this thread does not know to be live) resolves as soon as it is in
   * the ring, while fewer than SEND_WINDOW sends await the socket's answer; any other waits for
   * that answer (EHOSTUNREACH, ...). So a request-reply loop costs one crossing each way.
   */
  protected send(message: Message, options?: ServerRouting | RadioGroup): Promise<void> {
    const refused = this.#refusal()
    if (refused) return Promise.reject(refused)
    let frames: Uint8Array[]
    try {
      frames = this.#shape.framesToSend(message, options)
    } catch (err) {
      return Promise.reject(err)
    }
    this.outbox.pushMessage(0, frames)
    const early =
      this.#sends.length < SEND_WINDOW &&
      (!this.#shape.routed || this.#liveIds.has((options as { routingId: number }).routingId))
    if (early) {
      this.#sends.push(ANSWERED_EARLY)
      this.#updateHold()
      return RESOLVED
    }
    const answered = new Promise<void>((resolve, reject) => {
      this.#sends.push({ resolve, reject })
    })
    this.#updateHold()
    return answered
  }

  /** As the socket's receive(): the next message that the socket's thread hands this thread. */
  protected receive(): Promise<unknown> {
    const refused = this.#refusal()
    if (refused) return Promise.reject(refused)
    if (!this.#shape.receives) {
      return Promise.reject(new ZmqError("ENOTSUP", `${this.type} sockets cannot receive`))
    }
    // Each receive() asks for one message more; with readAhead, one may be here already.
    this.outbox.push(RecordKind.Credit, 0, 1)
    const ready = this.#readyMessages.shift()
    if (ready) return Promise.resolve(this.#shape.receivedMessage(ready))
    const received = new Promise<unknown>((resolve, reject) => {
      this.#receives.push({ resolve, reject })
    })
    this.#updateHold()
    return received
  }

  protected async *[Symbol.asyncIterator](): AsyncGenerator<unknown, void, undefined> {
    while (!this.#closed && !this.#ownerGone) {
      try {
        yield await this.receive()
      } catch (err) {
        const code = (err as ZmqError).code
        if ((this.#closed || this.#ownerGone) && (code === "EAGAIN" || code === "EBADF")) return
        throw err
      }
    }
  }

  /**
   * Lets go of the socket on this thread (the socket itself stays open on its own thread).
   * Messages handed over that no receive() here took (readAhead, or a receive() that closing
   * rejected) go back to the socket's thread, which answers the close once it has seen them.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#failAll(new ZmqError("EAGAIN", "socket was closed while the call waited"))
    for (const frames of this.#readyMessages.drain()) this.#giveBack(frames)
    this.outbox.push(RecordKind.PeerDown, 0, 0)
    this.#closing = true // until the socket's thread answers (or goes away)
    this.#updateHold()
  }

  /** A message this side will not take goes back to the socket's thread. */
  #giveBack(frames: Buffer[]): void {
    this.outbox.push(RecordKind.Command, 0, frames.length, frames)
  }

  #release(): void {
    if (this.#released) return
    this.#released = true
    this.#updateHold()
    this.end()
    this.context.unregister(this.#id)
    this.#finish()
  }

  #refusal(): ZmqError | null {
    if (this.#closed) return new ZmqError("EBADF", "socket is closed")
    return this.#failure
  }

  #failAll(err: ZmqError): void {
    for (const call of this.#sends.drain()) call.reject(err)
    for (const call of this.#receives.drain()) call.reject(err)
    this.#updateHold()
  }

  /**
   * Holds this thread alive while a call waits here or a send has not been answered (its
   * message is still on its way to the socket's thread), as a socket does (see WaitingSocket).
   */
  #updateHold(): void {
    this.#hold.set(
      !this.#released && (this.#closing || this.#sends.length > 0 || this.#receives.length > 0),
    )
  }

  protected message(frames: Buffer[]): void {
    if (this.#closed) {
      if (!this.#released) this.#giveBack(frames)
      return
    }
    const waiting = this.#receives.shift()
    if (waiting) waiting.resolve(this.#shape.receivedMessage(frames))
    else this.#readyMessages.push(frames)
    this.#updateHold()
  }

  protected override carriesFrames(kind: RecordKind): boolean {
    return kind === RecordKind.Event || kind === RecordKind.PeerDown
  }

  protected control(kind: RecordKind, count: number, frames: Uint8Array[], flags: number): void {
    if (kind === RecordKind.Command) {
      if (flags === 1) this.#liveIds.add(count)
      else this.#liveIds.delete(count)
    } else if (kind === RecordKind.Credit) {
      for (let i = 0; i < count; i++) this.#sends.shift()?.resolve()
      this.#updateHold()
    } else if (kind === RecordKind.Event) {
      const [code, message] = frames.map((f) => Buffer.from(f).toString())
      this.#sends.shift()?.reject(new ZmqError(code as ZmqError["code"], message ?? ""))
      this.#updateHold()
    } else if (kind === RecordKind.PeerDown) {
      // BYE: the socket's thread answered our close, and has back what it handed over.
      // EAGAIN: the socket was closed (waiting calls end as on the socket itself, later ones
      // get EBADF); ETERM: its context was shut down.
      const code = Buffer.from(frames[0] ?? []).toString() || "ETERM"
      if (code === "BYE" || this.#closed) {
        // Whatever was handed to this side came before BYE and has gone back: done.
        if (code === "BYE") this.outbox.push(RecordKind.PeerDown, 0, 0)
        this.#closing = false
        void this.outbox.flushed().then(() => this.#release())
        return
      }
      const closed = code === "EAGAIN"
      this.#failAll(new ZmqError(code as ZmqError["code"], "the shared socket went away"))
      this.#failure = closed
        ? new ZmqError("EBADF", "the shared socket was closed")
        : new ZmqError("ETERM", "context was shut down")
      this.#ownerGone = closed
      // Nothing more can come over this link: let go of it, so that it holds no thread alive.
      if (closed) this.#release()
    }
  }

  // ---- ContextSocket --------------------------------------------------------------------------

  /** Its messages queue on the socket's own thread, which waits for them at exit. @internal */
  readonly queuedAtExit = false

  /** @internal */
  contextShutDown(): void {
    this.#failure ??= new ZmqError("ETERM", "context was shut down")
    this.#failAll(this.#failure)
  }

  /** @internal */
  threadDied(thread: number): void {
    if (thread !== this.#ownerThread) return
    this.#failure = new ZmqError("ETERM", `the thread of the shared socket (${thread}) died`)
    this.#failAll(this.#failure)
    if (this.#closing) this.#release() // no answer will come
  }

  /** @internal */
  inprocOffered(): void {}

  /** @internal */
  inprocAccepted(): void {}

  /** @internal */
  acceptThread(): never {
    throw new ZmqError("ENOTSUP", "attach to the socket's own thread, not to an attached one")
  }
}
