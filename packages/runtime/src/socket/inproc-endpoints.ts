import { threadId } from "node:worker_threads"
import { type SocketType, socketTypesCompatible } from "@omq/transport"
import type { Context } from "../context.js"
import { type EventErrorInfo, eventError } from "../observer.js"
import type { InprocOffer } from "../process/inproc-registry.js"
import { newLaneName } from "../ring/lane.js"
import { deadlineOf, untilDeadline } from "../util/deadline.js"
import {
  createRingPipeShared,
  DirectPipe,
  type InprocPipe,
  RingPipe,
  type RingPipeShared,
} from "./inproc-pipe.js"
import { Peer } from "./peer.js"
import { creditBatch, type PipeInfo, type PipeLink, type PipeOwner } from "./pipe.js"

/** What the inproc side needs of its socket. */
export interface InprocOwner extends PipeOwner {
  readonly id: number
  readonly type: SocketType
  readonly context: Context
  /** The socket's options as they are now (inproc pipes are made at any time). */
  pipeOptions(): {
    routingId: Uint8Array | null
    sendHighWaterMark: number
    receiveHighWaterMark: number
  }
  /** Adds a pipe; false when the socket type refuses it (a second PAIR peer). */
  addPeer(peer: Peer): boolean
  peer(id: number): Peer | undefined
  peers(): Iterable<Peer>
  newPipeId(): number
}

/** The binder's answer to an offer, sent to the connecter's thread (`inproc.accepted`). */
interface Accepted {
  socket: number
  pipe: number
  type: string
  routingId: Uint8Array | null
  sendHighWaterMark: number
  receiveHighWaterMark: number
  /** Absent when the binder refused the pipe (an incompatible socket type). */
  rings?: RingPipeShared
}

/**
 * A socket's inproc endpoints: its bound names (kept in the context's registry on the owner
 * thread) and its inproc pipes. A connect makes its pipe at once, as in libzmq: messages queue
 * on it (a PendingLink) until the bound socket accepts the offer. The binder makes the pipe: a
 * DirectPipe when both sockets live on one thread, else a RingPipe pair whose rings it creates.
 *
 * Owned by the socket's thread.
 */
export class InprocEndpoints {
  readonly #owner: InprocOwner
  readonly #bound = new Set<string>()
  readonly #pipes = new Map<Peer, InprocPipe>()
  /** Called when a pipe is made (closing waits for connects that still hold messages). */
  #onPipeMade: (() => void) | null = null

  constructor(owner: InprocOwner) {
    this.#owner = owner
  }

  async bind(name: string): Promise<void> {
    await this.#owner.context.callOwner("inproc.bind", { name, socket: this.#owner.id })
    this.#bound.add(name)
  }

  /** Frees the name and ends the pipes accepted through it, as libzmq does. */
  async unbind(name: string): Promise<void> {
    await this.#owner.context.callOwner("inproc.unbind", { name, socket: this.#owner.id })
    this.#bound.delete(name)
    for (const [peer, pipe] of this.#pipes) {
      if (peer.connected || peer.endpoint !== `inproc://${name}`) continue
      this.#pipes.delete(peer)
      void pipe.close(0)
      this.#owner.pipeDown(peer)
    }
  }

  /** Makes the pipe of a connect() and offers it to whoever binds `name`. Returns its peer. */
  connect(address: string, name: string): Peer | null {
    const owner = this.#owner
    const options = owner.pipeOptions()
    const peer = new Peer(owner.newPipeId(), address, new PendingLink())
    peer.connected = true
    peer.sendLimit = options.sendHighWaterMark
    if (!owner.addPeer(peer)) return null
    const offer: InprocOffer = {
      name,
      thread: threadId,
      socket: owner.id,
      pipe: peer.id,
      type: owner.type,
      ...options,
    }
    owner.context.mailbox.send(owner.context.handle.owner, "inproc.connect", offer)
    return peer
  }

  /** Ends a connect()'s pipe: the offer, if still waiting, is withdrawn. */
  disconnect(peer: Peer): void {
    const pipe = this.#pipes.get(peer)
    this.#pipes.delete(peer)
    if (pipe) void pipe.close(0)
    else
      this.#owner.context.mailbox.send(this.#owner.context.handle.owner, "inproc.cancel", {
        socket: this.#owner.id,
        pipe: peer.id,
      })
  }

  /** Binder side: a socket connects to one of our names. */
  offered(offer: InprocOffer): void {
    const owner = this.#owner
    const mine = owner.pipeOptions()
    const answer: Accepted = {
      socket: offer.socket,
      pipe: offer.pipe,
      type: owner.type,
      ...mine,
    }
    const peer = new Peer(owner.newPipeId(), `inproc://${offer.name}`, new PendingLink())
    if (!socketTypesCompatible(owner.type, offer.type) || !owner.addPeer(peer)) {
      this.#refuse(offer, answer)
      return
    }
    if (offer.thread === threadId) {
      const other = (owner.context.socket(offer.socket) as { inproc?: InprocEndpoints })?.inproc
      const theirs = other ? other.#owner.peer(offer.pipe) : undefined
      if (!other || !theirs || theirs.gone) {
        owner.pipeDown(peer)
        return
      }
      const [mineEnd, theirEnd] = DirectPipe.join(owner, peer, other.#owner, theirs)
      this.#pipeUp(peer, mineEnd, offer, mine)
      other.#pipeUp(theirs, theirEnd, answer, offer)
      return
    }
    const rings = createRingPipeShared(newLaneName())
    const pipe = new RingPipe(
      owner,
      peer,
      offer.thread,
      rings.toConnecter,
      rings.toBinder,
      rings.lane,
    )
    this.#pipeUp(peer, pipe, offer, mine)
    owner.context.mailbox.send(offer.thread, "inproc.accepted", { ...answer, rings })
  }

  /** Connecter side: the bound socket (on another thread) accepted or refused our offer. */
  accepted(answer: Accepted, from: number): void {
    const owner = this.#owner
    const peer = owner.peer(answer.pipe)
    if (!answer.rings) {
      owner.pipeEvent({
        type: "handshake:error:protocol",
        address: peer?.endpoint ?? "",
        error: incompatible(answer.type),
      })
      if (peer) owner.pipeDown(peer)
      return
    }
    const { toBinder, toConnecter, lane } = answer.rings
    const target = peer && !peer.gone ? peer : new Peer(0, "", new PendingLink())
    const pipe = new RingPipe(owner, target, from, toBinder, toConnecter, lane)
    if (target !== peer) {
      void pipe.close(0) // disconnected or closed meanwhile: end the pipe at once
      return
    }
    this.#pipeUp(peer, pipe, answer, owner.pipeOptions())
  }

  #refuse(offer: InprocOffer, answer: Accepted): void {
    const owner = this.#owner
    const address = `inproc://${offer.name}`
    owner.pipeEvent({ type: "handshake:error:protocol", address, error: incompatible(offer.type) })
    if (offer.thread !== threadId) {
      owner.context.mailbox.send(offer.thread, "inproc.accepted", answer)
      return
    }
    const connecter = owner.context.socket(offer.socket) as { inproc?: InprocEndpoints } | undefined
    connecter?.inproc?.accepted(answer, threadId)
  }

  /** A pipe is made: its queued messages go into it, and the socket learns who the peer is. */
  #pipeUp(
    peer: Peer,
    pipe: InprocPipe,
    theirs: {
      type: string
      routingId: Uint8Array | null
      sendHighWaterMark: number
      receiveHighWaterMark: number
    },
    mine: { sendHighWaterMark: number; receiveHighWaterMark: number },
  ): void {
    const pending = peer.link
    peer.link = pipe
    this.#pipes.set(peer, pipe)
    const info: PipeInfo = {
      type: theirs.type,
      routingId: theirs.routingId ?? new Uint8Array(0),
      receiveLimit: pipeLimit(theirs.sendHighWaterMark, mine.receiveHighWaterMark),
      sendLimit: pipeLimit(mine.sendHighWaterMark, theirs.receiveHighWaterMark),
    }
    peer.creditBatch = creditBatch(info.receiveLimit)
    if (pending instanceof PendingLink) pending.replay(peer, pipe)
    if (!this.#owner.pipeUp(peer, info)) void pipe.close(0)
    else pipe.start() // what the peer sent already is read only now that the socket knows it
    this.#owner.pipesDrained() // waiting sends may go to the new peer
    this.#onPipeMade?.()
  }

  /** Threads died: pipes to them deliver what was fully sent, then go down. */
  threadDied(thread: number): void {
    for (const [peer, pipe] of this.#pipes) {
      if (pipe.remoteThread !== thread) continue
      this.#pipes.delete(peer)
      pipe.remoteDied()
      this.#owner.pipeEvent({ type: "disconnect", address: peer.endpoint })
    }
  }

  /** The other side ended a pipe. */
  forget(peer: Peer): void {
    this.#pipes.delete(peer)
  }

  /** Ends every pipe (each after what was sent on it, up to `linger`) and frees our names. */
  async close(linger: number): Promise<void> {
    // Messages sent on a connect whose pipe is not made yet wait for it, up to linger, as in
    // libzmq (where they sit in the pipe already). Offers are still accepted meanwhile.
    if (linger !== 0) await untilDeadline(this.#pendingMade(), deadlineOf(linger))
    const pipes = [...this.#pipes.values()]
    this.#pipes.clear()
    this.#bound.clear()
    const context = this.#owner.context
    context.mailbox.send(context.handle.owner, "inproc.closed", { socket: this.#owner.id })
    await Promise.all(pipes.map((pipe) => pipe.close(linger)))
  }

  /** Resolves once no connect of this socket holds messages while its pipe is being made. */
  #pendingMade(): Promise<void> {
    return new Promise((resolve) => {
      this.#onPipeMade = () => {
        for (const peer of this.#owner.peers()) {
          if (peer.link instanceof PendingLink && peer.link.holding && !peer.gone) return
        }
        this.#onPipeMade = null
        resolve()
      }
      this.#onPipeMade()
    })
  }
}

/** libzmq's inproc pipe limit: the sender's send HWM plus the receiver's receive HWM. */
function pipeLimit(send: number, receive: number): number {
  return send === 0 || receive === 0 ? 0 : send + receive
}

function incompatible(type: string): EventErrorInfo {
  return eventError("ERR_ZMTP_INVALID_METADATA", `incompatible socket type ${type}`)
}

/**
 * A connect()'s pipe before the bound socket has accepted it: messages wait here, in order, and
 * go into the real pipe when it is made (the high-water mark already bounds them).
 */
class PendingLink implements PipeLink {
  #queue: (readonly Uint8Array[] | [Uint8Array, boolean])[] = []

  /** Messages wait here for the pipe. */
  get holding(): boolean {
    return this.#queue.length > 0 && !this.#dropped
  }

  readonly #subscriptions = new WeakSet<object>()
  #dropped = false

  message(_peer: Peer, frames: readonly Uint8Array[]): void {
    this.#queue.push(frames)
  }

  credit(): void {}

  subscription(_peer: Peer, topic: Uint8Array, subscribe: boolean): void {
    const item: [Uint8Array, boolean] = [topic, subscribe]
    this.#subscriptions.add(item)
    this.#queue.push(item)
  }

  drop(): void {
    this.#dropped = true
  }

  replay(peer: Peer, pipe: InprocPipe): void {
    if (this.#dropped) {
      void pipe.close(0)
      return
    }
    for (const item of this.#queue) {
      if (this.#subscriptions.has(item)) {
        const [topic, subscribe] = item as [Uint8Array, boolean]
        pipe.subscription(peer, topic, subscribe)
      } else {
        pipe.message(peer, item as readonly Uint8Array[])
      }
    }
    this.#queue = []
  }
}
