import { ZmqError } from "@omq/transport"
import type { RingPipeShared } from "../socket/inproc-pipe.js"
import type { ContextState } from "./context-handle.js"
import type { Mailbox } from "./mailbox.js"

/** The inproc name a ZAP handler binds (RFC 27). */
export const ZAP_NAME = "zeromq.zap.01"

/** What a connecting socket tells the socket it connects to over inproc. */
export interface InprocOffer {
  name: string
  /** The connecting socket: its thread, id, and the id of the pipe it made for this connect. */
  thread: number
  socket: number
  pipe: number
  /** Its ZMTP socket type, routing id and high-water marks (the pipe's limit is a sum). */
  type: string
  routingId: Uint8Array | null
  sendHighWaterMark: number
  receiveHighWaterMark: number
  /** The pipe's rings: the connecter writes into them from connect() on. */
  rings: RingPipeShared
}

interface Binding {
  thread: number
  socket: number
}

/**
 * The inproc names of a context, kept by its owner thread: one table for the whole process, so
 * that a name bound anywhere is found from everywhere, and a second bind gets EADDRINUSE.
 *
 * A connect to a name nobody has bound yet waits here (libzmq 4.x allows connect before bind)
 * and goes to the binder when the bind comes. Once an offer reaches the binder's thread, the two
 * sockets make their pipe between themselves (see InprocPipes): this table is not on the message
 * path.
 */
export class InprocRegistry {
  readonly #mailbox: Mailbox
  readonly #state: ContextState
  readonly #bound = new Map<string, Binding>()
  readonly #waiting = new Map<string, InprocOffer[]>()

  constructor(mailbox: Mailbox, state: ContextState) {
    this.#mailbox = mailbox
    this.#state = state
    mailbox.handle("inproc.bind", (a: { name: string; socket: number }, from: number) =>
      this.bind(a.name, { thread: from, socket: a.socket }),
    )
    mailbox.handle("inproc.unbind", (a: { name: string; socket: number }, from: number) =>
      this.unbind(a.name, { thread: from, socket: a.socket }),
    )
    mailbox.handle("inproc.connect", (offer: InprocOffer) => this.connect(offer))
    mailbox.handle("inproc.cancel", (a: { socket: number; pipe: number }) =>
      this.#dropWaiting((o) => o.socket === a.socket && o.pipe === a.pipe),
    )
    mailbox.handle("inproc.closed", (a: { socket: number }) => this.socketClosed(a.socket))
  }

  bind(name: string, binding: Binding): void {
    if (this.#bound.has(name)) {
      throw new ZmqError("EADDRINUSE", `inproc://${name} is bound already`, `inproc://${name}`)
    }
    this.#bound.set(name, binding)
    this.#zapHandlerChanged()
    const waiting = this.#waiting.get(name) ?? []
    this.#waiting.delete(name)
    for (const offer of waiting) this.#forward(binding, offer)
  }

  unbind(name: string, binding: Binding): void {
    const held = this.#bound.get(name)
    if (!held || held.socket !== binding.socket) {
      throw new ZmqError("ENOENT", `not bound to inproc://${name}`, `inproc://${name}`)
    }
    this.#bound.delete(name)
    this.#zapHandlerChanged()
  }

  connect(offer: InprocOffer): void {
    const binding = this.#bound.get(offer.name)
    if (binding) {
      this.#forward(binding, offer)
      return
    }
    const waiting = this.#waiting.get(offer.name)
    if (waiting) waiting.push(offer)
    else this.#waiting.set(offer.name, [offer])
  }

  /** A socket closed: its names are free again and its waiting connects are gone. */
  socketClosed(socket: number): void {
    for (const [name, b] of this.#bound) if (b.socket === socket) this.#bound.delete(name)
    this.#zapHandlerChanged()
    this.#dropWaiting((o) => o.socket === socket)
  }

  /**
   * A thread died: its names are free. Its waiting connects stay: what it sent on them is in
   * their rings, and the binder delivers it when the name is bound.
   */
  threadDied(thread: number): void {
    for (const [name, b] of this.#bound) if (b.thread === thread) this.#bound.delete(name)
    this.#zapHandlerChanged()
  }

  /** Publishes whether a ZAP handler is bound to every thread's handshakes (ContextState). */
  #zapHandlerChanged(): void {
    this.#state.zapHandlerBound = this.#bound.has(ZAP_NAME)
  }

  #forward(binding: Binding, offer: InprocOffer): void {
    this.#mailbox.send(binding.thread, "inproc.offer", { socket: binding.socket, offer })
  }

  #dropWaiting(drop: (offer: InprocOffer) => boolean): void {
    for (const [name, offers] of this.#waiting) {
      const kept = offers.filter((o) => !drop(o))
      if (kept.length > 0) this.#waiting.set(name, kept)
      else this.#waiting.delete(name)
    }
  }
}
