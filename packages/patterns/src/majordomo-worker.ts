import { type Context, Dealer, type Message } from "omq"
import { type Clock, realClock } from "./clock.js"
import {
  DEFAULT_HEARTBEAT,
  DEFAULT_LIVENESS,
  DEFAULT_RECONNECT,
  MDP_DISCONNECT,
  MDP_HEARTBEAT,
  MDP_READY,
  MDP_REPLY,
  parseToWorker,
  publish,
  type ToWorker,
  workerCommand,
} from "./majordomo-protocol.js"

export interface MajordomoWorkerOptions {
  /** Milliseconds between heartbeats to the broker. Default 2,500. */
  heartbeat?: number
  /** Heartbeats from the broker that may be missed before it is taken for dead. Default 3. */
  liveness?: number
  /** Milliseconds before dialling again after the broker was lost or said DISCONNECT. Default 2,500. */
  reconnect?: number
  context?: Context
  clock?: Clock
}

/** Answers one request: its body frames in, the reply's body frames out. */
export type MajordomoHandler = (request: Buffer[]) => Message | Promise<Message>

/**
 * Long enough for a closing socket's last DISCONNECT to reach a live broker; a dead one costs
 * this much at close, once.
 */
const CLOSE_LINGER = 100

/**
 * A Majordomo worker (RFC 7, MDP/0.1): a DEALER that offers one `service` to the broker (READY),
 * answers its requests one at a time with `handler`, and heartbeats. A broker silent for
 * `liveness` heartbeats, or one that says DISCONNECT, is left: the socket is dropped and a fresh
 * one says READY again after `reconnect` ms.
 *
 * The socket is read while the handler runs, so heartbeats flow both ways and a long handler
 * does not make either side look dead. A handler that throws gets no reply out: the worker says
 * DISCONNECT and comes back fresh (the client's retry asks again). Runs on the caller's thread.
 */
export class MajordomoWorker {
  readonly service: string
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

  constructor(
    endpoint: string,
    service: string,
    handler: MajordomoHandler,
    options: MajordomoWorkerOptions = {},
  ) {
    this.service = service
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

  /** Says DISCONNECT to the broker (so it forgets this worker at once) and closes. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#clock.clearTimeout(this.#timer)
    this.#drop(true)
  }

  #connect(): void {
    const socket = new Dealer({
      linger: CLOSE_LINGER,
      ...(this.#context ? { context: this.#context } : {}),
    })
    socket.connect(this.#endpoint)
    this.#socket = socket
    this.#brokerLiveness = this.#liveness
    void socket.send(workerCommand(MDP_READY, this.service)).catch(() => {})
    void this.#serve(socket)
  }

  async #serve(socket: Dealer): Promise<void> {
    try {
      for await (const frames of socket) {
        this.#brokerLiveness = this.#liveness // anything from the broker is a heartbeat
        let command: ToWorker
        try {
          command = parseToWorker(frames)
        } catch (err) {
          publish({ type: "malformed", peer: "broker", reason: (err as Error).message })
          continue
        }
        if (command.command === "disconnect") {
          this.#lose("the broker said DISCONNECT", false)
          return
        }
        if (command.command === "request") void this.#answer(socket, command.envelope, command.body)
      }
    } catch {
      // The socket was closed under the loop (a lost broker, close()): the next one serves.
    }
  }

  async #answer(socket: Dealer, envelope: Buffer[], body: Buffer[]): Promise<void> {
    let reply: Message
    try {
      reply = await this.#handler(body)
    } catch (err) {
      if (socket === this.#socket) this.#lose(`the handler threw: ${(err as Error).message}`, true)
      return
    }
    if (socket !== this.#socket) return // the broker was lost meanwhile: so is the reply
    const frames = Array.isArray(reply) ? reply : [reply]
    await socket.send(workerCommand(MDP_REPLY, ...envelope, "", ...frames)).catch(() => {})
  }

  /** Leaves this broker connection; a fresh one says READY after `reconnect` ms. */
  #lose(reason: string, sayDisconnect: boolean): void {
    if (this.#closed) return
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
        socket.trySend(workerCommand(MDP_DISCONNECT)) // false when no broker: nobody to tell
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
        void this.#socket?.send(workerCommand(MDP_HEARTBEAT)).catch(() => {})
        this.#tick()
        return
      }
      this.#lose(`no word from the broker for ${this.#liveness} heartbeats`, false)
    }, this.#heartbeat)
  }
}
