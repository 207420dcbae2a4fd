import { type Context, Dealer, type Message, type MessageLike } from "omq"
import { type Clock, realClock } from "./clock.js"
import { reasonOf } from "./error-reason.js"
import {
  DEFAULT_HEARTBEAT,
  DEFAULT_LIVENESS,
  DEFAULT_RECONNECT,
  type MdpVersion,
  parseToWorker,
  publish,
  type ToWorker,
  workerCommand,
} from "./majordomo-protocol.js"

export interface MajordomoWorkerOptions {
  /** "0.1" (RFC 7, the default) or "0.2" (RFC 18, with partial replies). */
  mdp?: MdpVersion
  /** Milliseconds between heartbeats to the broker. Default 2,500. */
  heartbeat?: number
  /** Heartbeats from the broker that may be missed before it is taken for dead. Default 3. */
  liveness?: number
  /** Milliseconds before dialling again after the broker was lost or said DISCONNECT. Default 2,500. */
  reconnect?: number
  context?: Context
  clock?: Clock
}

/** A handler's second argument: the way to answer in parts. */
export interface MajordomoReply {
  /**
   * Sends `body` to the client now, as a PARTIAL; the handler's return value is the FINAL.
   * MDP/0.1 has no PARTIAL, so a 0.1 worker sends nothing here: its client gets the FINAL only,
   * as a 0.1 client of a 0.2 worker does. Resolves once the socket has taken it.
   */
  partial(body: Message): Promise<void>
}

/** Answers one request: its body frames in, the reply's body frames (the FINAL) out. */
export type MajordomoHandler = (
  request: Buffer[],
  reply: MajordomoReply,
) => Message | Promise<Message>

/**
 * Long enough for a closing socket's last DISCONNECT to reach a live broker; a dead one costs
 * this much at close, once.
 */
const CLOSE_LINGER = 100

/**
 * A Majordomo worker (RFC 7 MDP/0.1, or RFC 18 MDP/0.2 with `mdp: "0.2"`): a DEALER that offers
 * one `service` to the broker (READY), answers its requests one at a time with `handler`, and
 * heartbeats. A broker silent for `liveness` heartbeats, or one that says DISCONNECT, is left:
 * the socket is dropped and a fresh one says READY again after `reconnect` ms.
 *
 * The socket is read while the handler runs, so heartbeats flow both ways and a long handler
 * does not make either side look dead. A handler that throws gets no reply out: the worker says
 * DISCONNECT and comes back fresh (the broker gives the request to a worker once more).
 * `drain()` leaves without losing a request; `close()` leaves at once. Runs on the caller's thread.
 */
export class MajordomoWorker {
  readonly service: string
  readonly mdp: MdpVersion
  readonly #endpoint: string
  readonly #handler: MajordomoHandler
  readonly #heartbeat: number
  readonly #liveness: number
  readonly #reconnect: number
  readonly #clock: Clock
  readonly #context: Context | undefined
  #socket: Dealer | null = null
  #brokerLiveness: number
  #timer: unknown
  #closed = false
  /** Requests being answered (one, from a broker that keeps the rules). */
  readonly #answering = new Set<Promise<void>>()
  #drained: Promise<void> | null = null

  constructor(
    endpoint: string,
    service: string,
    handler: MajordomoHandler,
    options: MajordomoWorkerOptions = {},
  ) {
    this.service = service
    this.mdp = options.mdp ?? "0.1"
    this.#endpoint = endpoint
    this.#handler = handler
    this.#heartbeat = options.heartbeat ?? DEFAULT_HEARTBEAT
    this.#liveness = options.liveness ?? DEFAULT_LIVENESS
    this.#reconnect = options.reconnect ?? DEFAULT_RECONNECT
    this.#clock = options.clock ?? realClock
    this.#context = options.context
    this.#brokerLiveness = this.#liveness
    this.#connect()
    this.#tick()
  }

  /**
   * Leaves the broker without losing a request: the request in hand is finished and its reply
   * sent, then the worker says DISCONNECT and closes. Resolves once the socket has let them go.
   *
   * Why nothing is lost: the broker gives a worker a request only while it is idle, so none is
   * given while this one is answered; and DISCONNECT follows the FINAL on the same pipe, so the
   * broker reads the FINAL first. A request the broker sends in between (it took the worker for
   * idle on the FINAL) crosses the DISCONNECT: the worker ignores it, and the broker, reading
   * DISCONNECT from a worker with a request in its hands and no reply yet, gives it to another.
   */
  drain(): Promise<void> {
    if (this.#drained) return this.#drained
    if (this.#closed) return Promise.resolve()
    this.#drained = this.#leave()
    return this.#drained
  }

  /** Says DISCONNECT to the broker (so it forgets this worker at once) and closes. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#clock.clearTimeout(this.#timer)
    this.#drop(true)
  }

  async #leave(): Promise<void> {
    while (this.#answering.size > 0) await Promise.all(this.#answering)
    if (this.#closed) return // close() meanwhile, or the broker was lost
    const socket = this.#socket // null while waiting to reconnect: close() ends that wait
    this.close() // DISCONNECT, after the FINAL the socket has already taken
    await socket?.finished
    publish({ type: "drained", service: this.service })
  }

  #connect(): void {
    const socket = new Dealer({
      linger: CLOSE_LINGER,
      ...(this.#context ? { context: this.#context } : {}),
    })
    socket.connect(this.#endpoint)
    this.#socket = socket
    this.#brokerLiveness = this.#liveness
    void socket.send(workerCommand(this.mdp, "ready", this.service)).catch(() => {})
    void this.#serve(socket)
  }

  async #serve(socket: Dealer): Promise<void> {
    try {
      for await (const frames of socket) {
        this.#brokerLiveness = this.#liveness // anything from the broker is a heartbeat
        let command: ToWorker
        try {
          command = parseToWorker(frames, this.mdp)
        } catch (err) {
          publish({ type: "malformed", peer: "broker", reason: reasonOf(err) })
          continue
        }
        if (command.command === "disconnect") {
          this.#lose("the broker said DISCONNECT", false)
          return
        }
        // Draining: a request here crossed our DISCONNECT, and the broker gives it to another.
        if (command.command !== "request" || this.#drained) continue
        const answer = this.#answer(socket, command.envelope, command.body)
        this.#answering.add(answer)
        void answer.finally(() => this.#answering.delete(answer))
      }
    } catch {
      // The socket was closed under the loop (a lost broker, close()): the next one serves.
    }
  }

  async #answer(socket: Dealer, envelope: Buffer[], body: Buffer[]): Promise<void> {
    let done = false
    const reply: MajordomoReply = {
      partial: (message) => {
        // After the FINAL a PARTIAL would be out of turn; after a lost broker, nobody's.
        if (this.mdp === "0.1" || done || socket !== this.#socket) return Promise.resolve()
        const frames = workerCommand(this.mdp, "partial", ...envelope, "", ...framesOf(message))
        return socket.send(frames).catch(() => {})
      },
    }
    let final: Message
    try {
      final = await this.#handler(body, reply)
    } catch (err) {
      if (socket === this.#socket) this.#lose(`the handler threw: ${reasonOf(err)}`, true)
      return
    } finally {
      done = true
    }
    if (socket !== this.#socket) return // the broker was lost meanwhile: so is the reply
    const frames = workerCommand(this.mdp, "final", ...envelope, "", ...framesOf(final))
    await socket.send(frames).catch(() => {})
  }

  /** Leaves this broker connection; a fresh one says READY after `reconnect` ms. */
  #lose(reason: string, sayDisconnect: boolean): void {
    if (this.#closed) return
    if (this.#drained) {
      // Leaving anyway: no reconnect. What was in hand is the broker's to give again.
      this.close()
      return
    }
    this.#clock.clearTimeout(this.#timer)
    this.#drop(sayDisconnect)
    publish({ type: "broker-lost", service: this.service, reason, reconnectIn: this.#reconnect })
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closed) return
      this.#connect()
      publish({ type: "reconnected", service: this.service })
      this.#tick()
    }, this.#reconnect)
  }

  #drop(sayDisconnect: boolean): void {
    const socket = this.#socket
    this.#socket = null
    if (!socket) return
    if (sayDisconnect) {
      try {
        socket.trySend(workerCommand(this.mdp, "disconnect")) // false when no broker: nobody to tell
      } catch {
        // closed already
      }
    }
    socket.close()
  }

  /** Every interval: a heartbeat, and the broker's silence counted. */
  #tick(): void {
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closed) return
      if (--this.#brokerLiveness > 0) {
        void this.#socket?.send(workerCommand(this.mdp, "heartbeat")).catch(() => {})
        this.#tick()
        return
      }
      this.#lose(`no word from the broker for ${this.#liveness} heartbeats`, false)
    }, this.#heartbeat)
  }
}

function framesOf(message: Message): readonly MessageLike[] {
  return Array.isArray(message) ? message : [message]
}
