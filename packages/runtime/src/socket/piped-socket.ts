import type { Event } from "../observer.js"
import type { HoldTarget } from "../util/thread-hold.js"
import type { FairQueue } from "./fair-queue.js"
import { SocketOptionAccessors } from "./option-accessors.js"
import type { Peer } from "./peer.js"
import type { PipeInfo, PipeOwner } from "./pipe.js"

/** Pipe ids the socket allocates (connect, inproc) start here; the host's stay below. */
const FIRST_SOCKET_PIPE = 0x80000000

/**
 * A socket's pipes: the peer table, what the carriers report (PipeOwner), and the helpers a
 * socket type routes with (write, consumed, enqueue, ...). The socket type's x* hooks are
 * called from here. The layers above add the socket's place in its context (RegisteredSocket),
 * its endpoints (EndpointSocket) and the application's calls (WaitingSocket, SocketBase).
 *
 * Lives on the socket's thread.
 */
export abstract class PipedSocket extends SocketOptionAccessors implements PipeOwner {
  /** Where carriers hold the thread (see PipeOwner). @internal */
  abstract readonly keepAlive: HoldTarget
  readonly #peers = new Map<number, Peer>()
  /** Messages queued by the socket itself, which carry no receive credit. */
  readonly #notices = new WeakSet<Buffer[]>()
  #nextPipe = 0
  /**
   * Messages written to network peers whose connection is up, and not yet handed to the kernel:
   * what keeps the socket's thread alive after the application is done (see WaitingSocket).
   * Messages for a peer not (yet, or no longer) connected do not count: at exit the process
   * waits for those up to the socket's linger (process/exit-wait.ts).
   */
  #inFlight = 0

  /** `conflate` is set and this socket type honours it. */
  protected abstract get conflates(): boolean

  /** Every pipe's peer. @internal */
  peers(): IterableIterator<Peer> {
    return this.#peers.values()
  }

  // ---- hooks for socket types ----------------------------------------------------------------

  /** A peer pipe appeared; return false to refuse it (the host then drops the connection). */
  protected abstract xattach(peer: Peer): boolean
  /** A previously attached peer is gone. */
  protected abstract xdetach(peer: Peer): void
  /** A message arrived from `peer`. */
  protected abstract xmessage(peer: Peer, frames: Buffer[]): void
  /** The handshake with a peer (re)completed; its type and routing id are now known. */
  protected xready(_peer: Peer): void {}

  /** Messages on their way to peers that are taking them (see #inFlight). */
  protected get inFlight(): number {
    return this.#inFlight
  }

  /**
   * Messages written to a network pipe that its carrier has not confirmed as gone out, whatever
   * the peer's state: an absent peer's too (what the process waits for at exit). Walks the
   * pipes: for the exit, not for the message path.
   */
  protected get queuedForNetwork(): boolean {
    for (const peer of this.#peers.values()) {
      if (peer.overNetwork && !peer.gone && peer.outstanding > 0) return true
    }
    return false
  }

  /** #inFlight went from 0 or to 0. */
  protected inFlightChanged(): void {}

  #addInFlight(count: number): void {
    const before = this.#inFlight
    this.#inFlight += count
    if ((before === 0) !== (this.#inFlight === 0)) this.inFlightChanged()
  }

  /** Counts a peer's messages in #inFlight, or stops counting them, as its state says. */
  #recount(peer: Peer): void {
    const moving = peer.overNetwork && !peer.gone && !peer.stalled
    if (moving === peer.counted) return
    peer.counted = moving
    if (peer.outstanding !== 0) this.#addInFlight(moving ? peer.outstanding : -peer.outstanding)
  }

  /**
   * A connect to `address` failed or its connection went down: its pipes' messages stop counting
   * until their next handshake. Only connect() pipes: an accepted peer that leaves goes away
   * whole (PipeDown), and the others accepted on the same endpoint are not affected.
   */
  protected connectionStalled(address: string): void {
    for (const peer of this.#peers.values()) {
      if (!peer.connected || peer.endpoint !== address || peer.stalled) continue
      peer.stalled = true
      this.#recount(peer)
    }
  }

  /** Writes a whole message to a peer and charges its send credit. */
  protected write(peer: Peer, frames: readonly Uint8Array[]): void {
    peer.outstanding++
    if (peer.counted) this.#addInFlight(1)
    peer.link.message(peer, frames)
  }

  /** Call after taking a message of `peer`: returns receive credit to its sender in batches. */
  protected consumed(peer: Peer): void {
    if (peer.gone) return
    if (++peer.consumed >= peer.creditBatch) {
      peer.link.credit(peer, peer.consumed)
      peer.consumed = 0
    }
  }

  /**
   * Queues a received message for the application. With `conflate` only the newest stays, and
   * its credit goes back at once, so the host keeps sending newer ones (it holds back only the
   * newest when this thread falls behind): a read gets the newest message, as in libzmq.
   */
  protected enqueue(fq: FairQueue, peer: Peer, frames: Buffer[]): void {
    if (this.conflates) {
      fq.clear() // credited when they arrived
      this.enqueueNotice(fq, peer, frames)
      this.consumed(peer)
      return
    }
    fq.push(peer, frames)
  }

  /** Takes the next fair-queued message and accounts its receive credit. */
  protected takeFrom(fq: FairQueue): [Peer, Buffer[]] | null {
    const next = fq.pop()
    if (next) {
      this.lastPeer = next[0]
      if (!this.#notices.has(next[1])) this.consumed(next[0])
    }
    return next
  }

  /** The peer of the message taken last (what receiveWithProperties reports). */
  protected lastPeer: Peer | null = null

  /**
   * Queues a message the socket made itself (a STREAM connect notice, an XPUB unsubscription
   * for a departed peer): taking it returns no credit, since the host never counted it.
   */
  protected enqueueNotice(fq: FairQueue, peer: Peer, frames: Buffer[]): void {
    this.#notices.add(frames)
    fq.push(peer, frames)
  }

  /** Sends a SUBSCRIBE (true) or CANCEL to one peer (the host picks command or data frame). */
  protected sendSubscription(peer: Peer, topic: Uint8Array, subscribe: boolean): void {
    peer.link.subscription(peer, topic, subscribe)
  }

  /** Peers whose handshake completed (their type is known). */
  protected *readyPeers(): Iterable<Peer> {
    for (const peer of this.#peers.values()) if (peer.socketType !== "") yield peer
  }

  /** Drops a peer's pipe (its connection, or its inproc pipe). */
  protected reject(peer: Peer): void {
    peer.link.drop(peer)
  }

  // ---- PipeOwner: what the pipes' carriers report ----------------------------------------

  /** @internal */
  peer(id: number): Peer | undefined {
    return this.#peers.get(id)
  }

  /** A new pipe id of this socket's own (the host's ids stay below). @internal */
  newPipeId(): number {
    return (FIRST_SOCKET_PIPE + this.#nextPipe++) >>> 0
  }

  /** @internal */
  addPeer(peer: Peer): boolean {
    this.#peers.set(peer.id, peer)
    this.#recount(peer)
    if (this.xattach(peer)) return true
    this.#peers.delete(peer.id)
    peer.gone = true
    this.#recount(peer)
    this.reject(peer)
    return false
  }

  /** @internal */
  pipeUp(peer: Peer, info: PipeInfo): boolean {
    if (peer.gone) return false
    // Credit follows the limits the pipe was made with, not today's option values.
    peer.sendLimit = info.sendLimit
    if (info.type === "") return true
    peer.socketType = info.type
    peer.routingId = info.routingId
    peer.stalled = false
    this.#recount(peer)
    this.xready(peer)
    return true
  }

  /** @internal */
  pipeMessage(peer: Peer, frames: Buffer[]): void {
    if (!peer.gone) this.xmessage(peer, frames)
  }

  /** @internal */
  pipeCredit(peer: Peer, count: number): void {
    peer.outstanding -= count
    if (peer.counted) this.#addInFlight(-count)
  }

  /** @internal */
  pipeDown(peer: Peer): void {
    this.pipeGone(peer)
    if (this.#peers.get(peer.id) === peer) this.detach(peer)
  }

  /** @internal */
  abstract pipeEvent(event: Event): void
  /** @internal */
  abstract pipesDrained(): void
  /** A pipe went down: the carrier forgets it. */
  protected abstract pipeGone(peer: Peer): void

  /** Forgets a peer for good. */
  protected detach(peer: Peer): void {
    this.#peers.delete(peer.id)
    peer.gone = true
    this.#recount(peer)
    this.xdetach(peer)
  }
}
