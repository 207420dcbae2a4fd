import { randomUUID } from "node:crypto"
import { BroadcastChannel } from "node:worker_threads"

/**
 * The side channel of a ring pair, for what cannot travel inside a ring: whole large frames
 * (their memory is a SharedArrayBuffer, so posting it shares it: no copy), and that memory
 * handed back for reuse.
 *
 * A lane is a BroadcastChannel with a name of its own, opened by exactly two ends. A name can
 * be handed to any thread of the process inside a record or a command, which a MessagePort
 * cannot (a port only travels over another port, and a worker's one port belongs to the user).
 *
 * A BroadcastChannel drops what is posted before the other end has opened, and the two ends
 * open on different threads at different times (a ring's records wait in shared memory; a
 * lane's items would be lost). So each end says Hello when it opens, answers a Hello with
 * Ready, and holds what it posts until it has heard either from the other end.
 *
 * A lazy lane (a socket's link to its IO thread) opens its channel only when it is first used:
 * most sockets never move a large frame, and a channel opened, greeted and closed at both ends
 * cost each socket two thread wake-ups (Hello one way, Ready back) besides the channels. The end
 * that posts first opens and asks the other end to open too, with a LaneOpen record in its ring
 * (`askOther`, set by the ring's Outbox); the other end's Inbox opens it there (openNow), and
 * its Hello releases what the first held.
 * The Lane object itself exists from the start, so items that come another way (see
 * deliverToLane) need no channel.
 *
 * Each end is owned by the thread that opened it. An open end would keep its thread's event
 * loop alive; every user unrefs it, since a socket holds its thread while it has work (see
 * WaitingSocket) and an IO worker lives until its context ends.
 */
export class Lane {
  readonly name: string
  /** Null until opened (at once, or at first use when lazy). */
  #channel: BroadcastChannel | null = null
  /** Items posted before the other end was heard from. */
  #held: LaneItem[] | null = []
  #listener: (item: LaneItem) => void = () => {}
  /** Whether an open channel keeps the thread alive (see ref/unref). */
  #refed = true
  #closed = false
  /**
   * A lazy end's way to have the other end open its channel: a LaneOpen record in the ring this
   * end writes (set by its Outbox). Called at most once, on this end's thread.
   */
  askOther: (() => void) | null = null

  /** @param lazy open the channel at first use (see the class comment), not now. */
  constructor(name: string, lazy = false) {
    this.name = name
    lanesHere.set(name, this)
    if (!lazy) this.#open()
  }

  /** Whether the other end has been heard from (until then, posts are held here). */
  get open(): boolean {
    return this.#held === null
  }

  /** Posts an item; after close() nothing goes (memory handed back to a closed pipe is let go). */
  post(item: LaneItem): void {
    if (this.#closed) return
    if (!this.#channel) {
      this.#open()
      this.askOther?.()
    }
    if (this.#held) this.#held.push(item)
    else this.#channel!.postMessage(item)
  }

  /** The other end asked (its LaneOpen record): open this end, if it is not open yet. */
  openNow(): void {
    if (!this.#closed && !this.#channel) this.#open()
  }

  #open(): void {
    const channel = new BroadcastChannel(this.name)
    channel.onmessage = (event) => this.#receive((event as unknown as { data: LaneItem }).data)
    if (!this.#refed) channel.unref()
    channel.postMessage(HELLO)
    this.#channel = channel
  }

  onItem(listener: (item: LaneItem) => void): void {
    this.#listener = listener
  }

  #receive(item: LaneItem): void {
    const kind = item[0]
    if (kind !== LaneKind.Hello && kind !== LaneKind.Ready) {
      this.#listener(item)
      return
    }
    const channel = this.#channel!
    if (kind === LaneKind.Hello) channel.postMessage(READY)
    const held = this.#held
    this.#held = null
    for (const h of held ?? []) channel.postMessage(h)
  }

  ref(): void {
    this.#refed = true
    this.#channel?.ref()
  }

  unref(): void {
    this.#refed = false
    this.#channel?.unref()
  }

  close(): void {
    this.#closed = true
    this.#held = null
    lanesHere.delete(this.name)
    this.#channel?.close()
  }

  /** An item that came another way (see deliverToLane). */
  receiveElsewhere(item: LaneItem): void {
    this.#listener(item)
  }
}

/** Frames at least this large cross over the lane rather than through the ring. */
export const TRANSFER_FROM = 256 * 1024

/** This thread's lanes by name. */
const lanesHere = new Map<string, Lane>()

/**
 * Hands an item to this thread's end of lane `name`. For large frames an IO worker sends its
 * parent (the context's owner thread) over the worker's own port, where an ArrayBuffer can be
 * transferred instead of copied out of shared memory.
 */
export function deliverToLane(name: string, item: LaneItem): void {
  lanesHere.get(name)?.receiveElsewhere(item)
}

/** A fresh lane name, unique in the process. */
export function newLaneName(): string {
  return `omq:lane:${randomUUID()}`
}

/** What crosses a lane. Kinds keep their own order; records say when to expect a frame. */
export type LaneItem =
  /**
   * The bytes of one large frame: `size` bytes at the start of `memory` (shared, or transferred
   * when it came over a worker's port: see deliverToLane).
   */
  | [kind: LaneKind.Frame, memory: SharedArrayBuffer | ArrayBuffer, size: number]
  /** Pooled memory the reader is done with, back to the writer's pool. */
  | [kind: LaneKind.GiveBack, memory: SharedArrayBuffer, size: 0]
  /** This end has opened (Hello), or heard the other's Hello (Ready): see the class comment. */
  | [kind: LaneKind.Hello | LaneKind.Ready, memory: null, size: 0]

export enum LaneKind {
  Frame = 0,
  GiveBack = 1,
  Hello = 2,
  Ready = 3,
}

const HELLO: LaneItem = [LaneKind.Hello, null, 0]
const READY: LaneItem = [LaneKind.Ready, null, 0]
