import type { ZmqError } from "@omq/transport"
import { RecordKind } from "../../ring/records.js"
import type { TransferPool } from "../../ring/transfer-pool.js"
import type { HoldTarget } from "../../util/thread-hold.js"
import { LinkEnd, type ThreadLinkShared } from "./link-end.js"

/** What the socket does for an attached thread. */
export interface ThreadLinkOwner {
  /** Sends a message for the thread; resolves when the socket accepted it. */
  sendFromThread(frames: Uint8Array[]): Promise<void>
  /** The thread has `count` more receive() calls waiting: serve them as messages come. */
  threadWants(link: ThreadLink, count: number): void
  /** The thread let go of the socket. */
  threadLeft(link: ThreadLink): void
  /** A message handed to the thread comes back untaken: it is received again, first. */
  givenBack(frames: Buffer[]): void
}

/**
 * The socket's end of its link to one attached thread (see link-end.ts for the records): it runs
 * that thread's sends through the socket in order, and hands it received messages, one per
 * receive() call the thread says is waiting. Lives on the socket's thread.
 */
export class ThreadLink extends LinkEnd {
  readonly thread: number
  readonly #owner: ThreadLinkOwner
  #closed = false

  constructor(
    owner: ThreadLinkOwner,
    thread: number,
    shared: ThreadLinkShared,
    pool: TransferPool,
    keepAlive: HoldTarget,
  ) {
    super(shared.toThread, shared.toOwner, shared.lane, pool, keepAlive)
    this.#owner = owner
    this.thread = thread
    this.start()
  }

  get closed(): boolean {
    return this.#closed
  }

  /** SERVER/PEER: tells the thread that a routing id is live or gone (see ThreadSocket.send). */
  routingId(id: number, live: boolean): void {
    if (!this.#closed) this.outbox.push(RecordKind.Command, 0, id, undefined, live ? 1 : 0)
  }

  /** Hands a received message to the thread's oldest waiting receive(). */
  deliver(frames: readonly Uint8Array[]): void {
    this.outbox.pushMessage(0, frames)
  }

  /** Ends the link; the thread's waiting and later calls fail with `error`'s code. */
  close(error: ZmqError): void {
    if (this.#closed) return
    this.#closed = true
    this.outbox.push(RecordKind.PeerDown, 0, 1, [Buffer.from(error.code)])
    void this.outbox.flushed().then(() => this.end())
  }

  /** The thread died: nothing more comes from it, and nothing needs to go. */
  threadDied(): void {
    this.#closed = true
    this.end()
  }

  protected message(frames: Buffer[]): void {
    // Sends are accepted in order, so their answers go back in order.
    this.#owner.sendFromThread(frames).then(
      () => {
        if (!this.#closed) this.outbox.push(RecordKind.Credit, 0, 1)
      },
      (err: ZmqError) => {
        if (this.#closed) return
        const code = Buffer.from(err.code ?? "EINVAL")
        this.outbox.push(RecordKind.Event, 0, 2, [code, Buffer.from(err.detail ?? err.message)])
      },
    )
  }

  protected override carriesFrames(kind: RecordKind): boolean {
    return kind === RecordKind.Command
  }

  protected control(kind: RecordKind, count: number, frames: Uint8Array[]): void {
    if (kind === RecordKind.Credit) {
      this.#owner.threadWants(this, count)
    } else if (kind === RecordKind.Command) {
      // What the thread does not take goes back, to be received again (see ThreadSocket.close).
      this.#owner.givenBack(frames.map(asBuffer))
    } else if (kind === RecordKind.PeerDown) {
      if (!this.#closed) {
        // The thread lets go: nothing more is handed to it. BYE tells it that whatever was
        // handed over came before; it gives that back, then says PeerDown once more.
        this.#closed = true
        this.#owner.threadLeft(this)
        this.outbox.push(RecordKind.PeerDown, 0, 1, [Buffer.from("BYE")])
      } else {
        queueMicrotask(() => this.end()) // the second: all is back; not inside our own drain
      }
    }
  }
}

function asBuffer(frame: Uint8Array): Buffer {
  return Buffer.isBuffer(frame) ? frame : Buffer.from(frame)
}
