import { ZmqError, type ZmqErrorCode } from "@omq/transport"
import { Queue } from "./util/queue.js"

/**
 * The error an event carries: a ZeroMQ-style code (ERR_ZMTP_* for protocol errors), and for
 * `handshake:error:auth` the ZAP status, as zeromq.js's AuthError.
 */
export interface EventErrorInfo extends Error {
  code: string
  /** errno as zeromq.js reports it, for errors that have one (not for ERR_* or ZAP refusals). */
  errno?: number
  status?: 300 | 400 | 500
  /** omq's explanation; `message` is zeromq.js's text for the code or status. */
  detail?: string
}

/** Every event a socket reports, named as zeromq.js names libzmq's monitor events. */
export type Event =
  | { type: "accept"; address: string }
  | { type: "accept:error"; address: string; error: EventErrorInfo }
  | { type: "bind"; address: string }
  | { type: "bind:error"; address: string; error: EventErrorInfo }
  | { type: "connect"; address: string }
  | { type: "connect:delay"; address: string }
  | { type: "connect:retry"; address: string; interval: number }
  | { type: "close"; address: string }
  | { type: "close:error"; address: string; error: EventErrorInfo }
  | { type: "disconnect"; address: string }
  | { type: "end" }
  | { type: "handshake"; address: string }
  | { type: "handshake:error:protocol"; address: string; error: EventErrorInfo }
  | { type: "handshake:error:auth"; address: string; error: EventErrorInfo }
  | { type: "handshake:error:other"; address: string; error: EventErrorInfo }
  | { type: "unknown" }

export type EventType = Event["type"]
export type EventOfType<E extends EventType> = Extract<Event, { type: E }>

type Listener = (event: Event) => void

/**
 * Events kept unread at most; newer ones are dropped beyond it, as libzmq's monitor socket
 * drops at its high-water mark (so an observer touched once and never read stays small).
 */
const MAX_QUEUED = 1000

/**
 * A socket's event stream, like zeromq.js's `socket.events`: read it with `receive()` /
 * `for await`, or with `on()` listeners, not both. Events start being kept when the observer is
 * first accessed; it ends with an `end` event once its socket has closed.
 */
export class Observer {
  readonly #queue = new Queue<Event>()
  readonly #receives = new Queue<{ resolve: (e: Event) => void; reject: (e: Error) => void }>()
  readonly #listeners = new Map<EventType, Set<Listener>>()
  #closed = false
  /** Set by the first on(): events go to listeners only (see on). */
  #emitterMode = false
  /** Told whether someone waits for events (a receive() or a listener): it holds the thread. */
  readonly #waiting: (waiting: boolean) => void

  /** @param waiting told whenever that changes (see RegisteredSocket: it holds the thread then). */
  constructor(waiting: (waiting: boolean) => void = () => {}) {
    this.#waiting = waiting
  }

  #listenerCount(): number {
    let n = 0
    for (const set of this.#listeners.values()) n += set.size
    return n
  }

  #update(): void {
    this.#waiting(!this.#closed && (this.#receives.length > 0 || this.#listenerCount() > 0))
  }

  get closed(): boolean {
    return this.#closed
  }

  /**
   * Calls `listener` for each event of `type`. As in zeromq.js this puts the observer in
   * emitter mode for good: receive() throws from then on, and events no listener wants are
   * dropped rather than queued for a read that cannot come.
   */
  on<E extends EventType>(type: E, listener: (event: EventOfType<E>) => void): this {
    this.#emitterMode = true
    const set = this.#listeners.get(type) ?? new Set()
    set.add(listener as Listener)
    this.#listeners.set(type, set)
    this.#update()
    return this
  }

  off<E extends EventType>(type: E, listener: (event: EventOfType<E>) => void): this {
    const set = this.#listeners.get(type)
    set?.delete(listener as Listener)
    if (set?.size === 0) this.#listeners.delete(type)
    this.#update()
    return this
  }

  /**
   * The next event. Once the observer is closed and drained it rejects with EBADF (a read
   * waiting when it closes rejects with EAGAIN, which ends `for await`), as zeromq.js's does.
   */
  receive(): Promise<Event> {
    if (this.#emitterMode) {
      throw new Error(
        "Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive().",
      )
    }
    const next = this.#queue.shift()
    if (next) return Promise.resolve(next)
    if (this.#closed) return Promise.reject(new ZmqError("EBADF", "observer is closed"))
    const next_ = new Promise<Event>((resolve, reject) => this.#receives.push({ resolve, reject }))
    this.#update()
    return next_
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Event, void, undefined> {
    for (;;) {
      try {
        yield await this.receive()
      } catch (err) {
        const code = (err as ZmqError).code
        if (this.#closed && (code === "EAGAIN" || code === "EBADF")) return
        throw err
      }
    }
  }

  /** Stops observing; the socket goes on. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const r of this.#receives.drain()) {
      r.reject(new ZmqError("EAGAIN", "observer was closed"))
    }
    this.#update()
  }

  /** @internal Hands over one event from the socket. */
  deliver(event: Event): void {
    if (this.#closed) return
    const listeners = this.#listeners.get(event.type)
    if (this.#emitterMode) {
      for (const listener of listeners ?? []) listener(event)
    } else {
      const waiting = this.#receives.shift()
      if (waiting) {
        waiting.resolve(event)
        if (this.#receives.length === 0) this.#update()
      } else if (this.#queue.length < MAX_QUEUED || event.type === "end") this.#queue.push(event)
    }
    if (event.type === "end") this.close()
  }
}

/** Rebuilds an event the host sent as JSON (errors travel as code and detail). */
export function decodeEvent(json: string): Event {
  const raw = JSON.parse(json) as Record<string, unknown> & {
    error?: { code: string; detail: string; status?: 300 | 400 | 500 }
  }
  const { error } = raw
  return (
    error ? { ...raw, error: eventError(error.code, error.detail, error.status) } : raw
  ) as Event
}

/** zeromq.js's texts for ZAP refusals, by status. */
const AUTH_TEXTS: Record<number, string> = {
  300: "Temporary error",
  400: "Authentication failure",
  500: "Internal error",
}

/**
 * An event's error: `code` is the ZeroMQ code, or the ERR_ZMTP_* / ERR_ZAP_* name of a protocol
 * error. Its message is the one zeromq.js gives (by status, protocol family or code); `detail`
 * keeps omq's explanation.
 */
export function eventError(code: string, detail: string, status?: 300 | 400 | 500): EventErrorInfo {
  let message: string
  let errno: number | undefined
  if (status) message = AUTH_TEXTS[status] ?? "Unknown error"
  else if (code.startsWith("ERR_ZMTP_")) message = "ZMTP protocol error"
  else if (code.startsWith("ERR_ZAP_")) message = "ZAP protocol error"
  else {
    const coded = new ZmqError(code as ZmqErrorCode, detail)
    message = coded.message
    errno = coded.errno
  }
  const error = new Error(message) as EventErrorInfo
  error.code = code
  if (errno !== undefined) error.errno = errno
  if (status) error.status = status
  error.detail = detail
  return error
}
