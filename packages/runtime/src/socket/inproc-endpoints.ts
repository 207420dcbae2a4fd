import { threadId } from "node:worker_threads"
import { type SocketType, socketTypesCompatible } from "@omq/transport"
import { type EventErrorInfo, eventError } from "../observer.js"
import type { ContextCore } from "../process/context-core.js"
import type { InprocOffer } from "../process/inproc-registry.js"
import { newLaneName } from "../ring/lane.js"
import type { TransferPool } from "../ring/transfer-pool.js"
import { deadlineOf, untilDeadline } from "../util/deadline.js"
import { createRingPipeShared, DirectPipe, type InprocPipe, RingPipe } from "./inproc-pipe.js"
import { Peer } from "./peer.js"
import { creditBatch, type PipeInfo, type PipeOwner } from "./pipe.js"

/** What the inproc side needs of its socket. */
export interface InprocOwner extends PipeOwner {
  readonly id: number
  readonly type: SocketType
  readonly contextCore: ContextCore
  /** The socket's inproc side (a bound socket of this thread meets a connecting one directly). */
  readonly inproc: InprocEndpoints
  /** The socket's options as they are now (inproc pipes are made at any time). */
  pipeOptions(): PipeOptions
  /** Adds a pipe; false when the socket type refuses it (a second PAIR peer). */
  addPeer(peer: Peer): boolean
  peer(id: number): Peer | undefined
  newPipeId(): number
  /** The socket's memory for large frames (and its budget). */
  readonly transferPool: TransferPool
}

/** What each side of an inproc pipe tells the other about itself. */
export interface PipeOptions {
  routingId: Uint8Array | null
  sendHighWaterMark: number
  receiveHighWaterMark: number
}

/** The binder's answer to an offer, sent to the connecter's thread (`inproc.accepted`). */
interface Accepted extends PipeOptions {
  socket: number
  pipe: number
  type: string
  /** The binder refused the pipe (an incompatible socket type). */
  refused: boolean
}

/**
 * A socket's inproc endpoints: its bound names (kept in the context's registry on the owner
 * thread, and in this thread's table) and its inproc pipes.
 *
 * A connect to a name bound on this same thread makes a DirectPipe at once, with no one else
 * involved. Any other connect makes its pipe at once too, as libzmq does, but in shared memory:
 * a RingPipe whose rings go with the offer to whoever binds the name, so what it holds outlives
 * this thread; the binder attaches the other end to those rings. (So a connect that comes
 * before a bind on the same thread gets a ring pipe: correct, with one copy per frame.)
 *
 * Owned by the socket's thread.
 */
export class InprocEndpoints {
  readonly #owner: InprocOwner
  readonly #bound = new Set<string>()
  /** Pipes made (both ends known). */
  readonly #pipes = new Map<Peer, InprocPipe>()
  /** Each pipe's other side's receiveHighWaterMark, its share of the pipe's limit. */
  readonly #theirReceive = new WeakMap<Peer, number>()
  /** Pipes of connect()s whose binder has not answered yet. */
  readonly #offered = new Map<Peer, RingPipe>()
  /** Called when an offered pipe is made (closing waits for those that hold messages). */
  #onPipeMade: (() => void) | null = null

  constructor(owner: InprocOwner) {
    this.#owner = owner
  }

  async bind(name: string): Promise<void> {
    const { contextCore: context, id } = this.#owner
    await context.callOwner("inproc.bind", { name, socket: id })
    this.#bound.add(name)
    context.localBinders.set(name, this.#owner)
  }

  /** Frees the name and ends the pipes accepted through it, as libzmq does. */
  async unbind(name: string): Promise<void> {
    const { contextCore: context, id } = this.#owner
    await context.callOwner("inproc.unbind", { name, socket: id })
    this.#forgetName(name)
    for (const [peer, pipe] of this.#pipes) {
      if (peer.connected || peer.endpoint !== `inproc://${name}`) continue
      this.#pipes.delete(peer)
      void pipe.close(0)
      this.#owner.pipeDown(peer)
    }
  }

  /** Makes the pipe of a connect() (see the class comment). Returns its peer. */
  connect(address: string, name: string): Peer | null {
    const owner = this.#owner
    const options = owner.pipeOptions()
    const binder = owner.contextCore.localBinders.get(name)
    if (binder) {
      const peer = new Peer(owner.newPipeId(), address, NOT_YET)
      peer.connected = true
      if (!owner.addPeer(peer)) return null
      binder.inproc.#meetHere(owner, peer, options)
      return peer
    }
    const rings = createRingPipeShared(newLaneName())
    const peer = new Peer(owner.newPipeId(), address, NOT_YET)
    peer.connected = true
    peer.sendLimit = options.sendHighWaterMark // until the binder's limits are known
    const { toBinder, toConnecter, lane } = rings
    const pipe = new RingPipe(owner, peer, null, toBinder, toConnecter, lane, owner.transferPool)
    peer.link = pipe
    if (!owner.addPeer(peer)) return null
    this.#offered.set(peer, pipe)
    const offer: InprocOffer = {
      name,
      thread: threadId,
      socket: owner.id,
      pipe: peer.id,
      type: owner.type,
      rings,
      ...options,
    }
    owner.contextCore.mailbox.send(owner.contextCore.handle.owner, "inproc.connect", offer)
    return peer
  }

  /** Ends a connect()'s pipe; an offer still waiting is withdrawn. */
  disconnect(peer: Peer): void {
    const offered = this.#offered.get(peer)
    const pipe = this.#pipes.get(peer) ?? offered
    this.#pipes.delete(peer)
    this.#offered.delete(peer)
    if (pipe) void pipe.close(0)
    if (offered) {
      const context = this.#owner.contextCore
      context.mailbox.send(context.handle.owner, "inproc.cancel", {
        socket: this.#owner.id,
        pipe: peer.id,
      })
    }
  }

  /** Binder side, same thread: a connecting socket meets this one directly. */
  #meetHere(connecter: InprocOwner, theirs: Peer, options: PipeOptions): void {
    const owner = this.#owner
    const address = theirs.endpoint
    const mine = new Peer(owner.newPipeId(), address, NOT_YET)
    const compatible = socketTypesCompatible(owner.type, connecter.type)
    if (!compatible || !owner.addPeer(mine)) {
      if (!compatible) {
        this.#refused(owner, address, connecter.type)
        this.#refused(connecter, address, owner.type)
      }
      connecter.pipeDown(theirs)
      return
    }
    const [mineEnd, theirEnd] = DirectPipe.join(owner, mine, connecter, theirs)
    const myOptions = owner.pipeOptions()
    this.#pipeUp(mine, mineEnd, connecter.type, options, myOptions)
    connecter.inproc.#pipeUp(theirs, theirEnd, owner.type, myOptions, options)
  }

  /** Binder side: a socket (of another thread, or of this one before the bind) connects. */
  offered(offer: InprocOffer): void {
    const owner = this.#owner
    const address = `inproc://${offer.name}`
    const mine = owner.pipeOptions()
    const answer: Accepted = {
      socket: offer.socket,
      pipe: offer.pipe,
      type: owner.type,
      refused: false,
      ...mine,
    }
    const peer = new Peer(owner.newPipeId(), address, NOT_YET)
    const { toBinder, toConnecter, lane } = offer.rings
    const pipe = new RingPipe(
      owner,
      peer,
      offer.thread,
      toConnecter,
      toBinder,
      lane,
      owner.transferPool,
    )
    peer.link = pipe
    const compatible = socketTypesCompatible(owner.type, offer.type)
    if (!compatible || !owner.addPeer(peer)) {
      if (!compatible) this.#refused(owner, address, offer.type)
      void pipe.close(0)
      answer.refused = true
    } else {
      this.#pipeUp(peer, pipe, offer.type, offer, mine)
      // The connecter may have died after offering: what it sent is in the rings, delivered now.
      if (owner.contextCore.mailbox.isDead(offer.thread)) this.threadDied(offer.thread)
    }
    owner.contextCore.mailbox.send(offer.thread, "inproc.accepted", answer)
  }

  /** Connecter side: the bound socket accepted or refused our offer. */
  accepted(answer: Accepted, from: number): void {
    const owner = this.#owner
    const peer = owner.peer(answer.pipe)
    const pipe = peer ? this.#offered.get(peer) : undefined
    if (!peer || !pipe) return // disconnected or closed meanwhile: the pipe is closed already
    this.#offered.delete(peer)
    if (answer.refused) {
      this.#refused(owner, peer.endpoint, answer.type)
      void pipe.close(0)
      owner.pipeDown(peer)
    } else {
      pipe.remoteThread = from
      this.#pipeUp(peer, pipe, answer.type, answer, owner.pipeOptions())
      if (owner.contextCore.mailbox.isDead(from)) this.threadDied(from)
    }
    this.#onPipeMade?.()
  }

  #refused(owner: InprocOwner, address: string, type: string): void {
    owner.pipeEvent({ type: "handshake:error:protocol", address, error: incompatible(type) })
  }

  /** A pipe is made: the socket learns who the peer is and the pipe's limits, then reads it. */
  #pipeUp(
    peer: Peer,
    pipe: InprocPipe,
    type: string,
    theirs: PipeOptions,
    mine: PipeOptions,
  ): void {
    peer.link = pipe
    this.#pipes.set(peer, pipe)
    this.#theirReceive.set(peer, theirs.receiveHighWaterMark)
    const info: PipeInfo = {
      type,
      routingId: theirs.routingId ?? new Uint8Array(0),
      receiveLimit: pipeLimit(theirs.sendHighWaterMark, mine.receiveHighWaterMark),
      sendLimit: pipeLimit(mine.sendHighWaterMark, theirs.receiveHighWaterMark),
    }
    peer.creditBatch = creditBatch(info.receiveLimit)
    if (!this.#owner.pipeUp(peer, info)) void pipe.close(0)
    else pipe.start() // what the peer sent already is read only now that the socket knows it
    this.#owner.pipesDrained() // waiting sends may go to the new peer
  }

  /** The socket's sendHighWaterMark changed: its pipes take it now, as libzmq's (4.2+) do. */
  sendLimitChanged(): void {
    const mine = this.#owner.pipeOptions().sendHighWaterMark
    for (const peer of this.#pipes.keys()) {
      const theirs = this.#theirReceive.get(peer)
      if (theirs !== undefined) peer.sendLimit = pipeLimit(mine, theirs)
    }
    this.#owner.pipesDrained() // a send waiting for room may have it now
  }

  /** A thread died: pipes to it deliver what it fully sent, then go down. */
  threadDied(thread: number): void {
    for (const [peer, pipe] of this.#pipes) {
      if (pipe.remoteThread !== thread) continue
      this.#pipes.delete(peer)
      pipe.remoteDied()
    }
  }

  /** The other side ended a pipe. */
  forget(peer: Peer): void {
    this.#pipes.delete(peer)
    this.#offered.delete(peer)
  }

  /** Ends every pipe (each after what was sent on it, up to `linger`) and frees our names. */
  async close(linger: number): Promise<void> {
    // A connect whose binder has not answered holds its messages in its rings; they are
    // delivered if the binder takes the pipe within linger (the offer stands meanwhile).
    if (linger !== 0) await untilDeadline(this.#offersAnswered(), deadlineOf(linger))
    const pipes = [...this.#pipes.values(), ...this.#offered.values()]
    this.#pipes.clear()
    this.#offered.clear()
    for (const name of this.#bound) this.#forgetName(name)
    const context = this.#owner.contextCore
    context.mailbox.send(context.handle.owner, "inproc.closed", { socket: this.#owner.id })
    await Promise.all(pipes.map((pipe) => pipe.close(linger)))
  }

  #forgetName(name: string): void {
    this.#bound.delete(name)
    const binders = this.#owner.contextCore.localBinders
    if (binders.get(name) === this.#owner) binders.delete(name)
  }

  /** Resolves once no offered pipe that holds messages waits for its binder. */
  #offersAnswered(): Promise<void> {
    return new Promise((resolve) => {
      this.#onPipeMade = () => {
        for (const pipe of this.#offered.values()) if (pipe.holdsMessages) return
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

/** A peer's link before its pipe is made (replaced before anything is written to it). */
const NOT_YET = {
  blocked: false,
  message() {},
  credit() {},
  subscription() {},
  drop() {},
}
