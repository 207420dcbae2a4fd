import { ZmqError } from "@omq/transport"
import type { ReadinessWatcher } from "./socket/waiting-socket.js"

/** What a Poller needs of a socket: omq's sockets all have it. */
export interface PollableSocket {
  /** The socket's context on this thread: a waiting poll holds the thread through it. */
  readonly context?: { readonly mailbox: { ref(): void; unref(): void } }
  readonly readable: boolean
  readonly writable: boolean
  readonly closed: boolean
  /** @internal */
  watch(watcher: ReadinessWatcher, on: boolean): void
}

/** Which readiness a Poller waits for on one socket. Default: readable only. */
export interface PollEvents {
  readable?: boolean
  writable?: boolean
}

/** One socket that is ready, and for what. */
export interface PollResult<S> {
  socket: S
  readable: boolean
  writable: boolean
}

/**
 * Waits until any of several sockets is readable or writable, without taking a message
 * (libzmq's zmq_poller). Sockets tell their pollers when their readiness may have changed, so a
 * poll looks only at those and at the ones ready last time: cheap with thousands of sockets,
 * whether polled once or in a loop.
 *
 * Lives on the thread that made it, with the sockets it watches (all of that thread).
 */
export class Poller<S extends PollableSocket = PollableSocket> implements ReadinessWatcher {
  readonly #events = new Map<S, { readable: boolean; writable: boolean }>()
  /** Sockets whose readiness may have changed since the last check. */
  readonly #maybeChanged = new Set<S>()
  /** Sockets found ready at the last check (the application may have used that up since). */
  readonly #ready = new Set<S>()
  /** The poll() waiting for a change, if any. */
  #wake: (() => void) | null = null

  /** Sockets watched. */
  get size(): number {
    return this.#events.size
  }

  /** Watches a socket; EINVAL if it is already watched. */
  add(socket: S, events: PollEvents = { readable: true }): void {
    if (this.#events.has(socket)) throw new ZmqError("EINVAL", "socket is already in the poller")
    this.#events.set(socket, normalise(events))
    socket.watch(this, true)
    this.changed(socket)
  }

  /** Changes what a watched socket is polled for; EINVAL if it is not watched. */
  modify(socket: S, events: PollEvents): void {
    if (!this.#events.has(socket)) throw new ZmqError("EINVAL", "socket is not in the poller")
    this.#events.set(socket, normalise(events))
    this.changed(socket)
  }

  /** Stops watching a socket; EINVAL if it is not watched. */
  remove(socket: S): void {
    if (!this.#events.delete(socket)) throw new ZmqError("EINVAL", "socket is not in the poller")
    socket.watch(this, false)
    this.#maybeChanged.delete(socket)
    this.#ready.delete(socket)
  }

  /**
   * The sockets ready now; when none is, waits for one up to `timeout` ms (-1: no limit, 0:
   * just look) and resolves with [] on timeout, or once every watched socket is closed. An
   * aborted `signal` rejects with its reason.
   */
  async poll(timeout = -1, signal?: AbortSignal): Promise<PollResult<S>[]> {
    signal?.throwIfAborted()
    let ready = this.#check()
    if (ready.length > 0 || timeout === 0) return ready
    if (this.#wake) throw new ZmqError("EINVAL", "poll() is already waiting on this poller")
    const deadline = timeout > 0 ? Date.now() + timeout : Number.POSITIVE_INFINITY
    // A waiting poll keeps the thread alive, as a waiting receive() does.
    const hold = this.#holdThread()
    try {
      while (ready.length === 0) {
        const left = deadline - Date.now()
        if (left <= 0 || this.#allClosed()) return []
        await this.#changeOrTimeout(left, signal)
        ready = this.#check()
      }
      return ready
    } finally {
      hold?.unref()
    }
  }

  /** Stops watching every socket. */
  close(): void {
    for (const socket of this.#events.keys()) socket.watch(this, false)
    this.#events.clear()
    this.#maybeChanged.clear()
    this.#ready.clear()
    this.#wake?.()
  }

  /** A socket says its readiness may have changed. @internal */
  changed(socket: object): void {
    if (!this.#events.has(socket as S)) return
    this.#maybeChanged.add(socket as S)
    this.#wake?.()
  }

  /** Refs the mailbox of a watched socket's context (all are this thread's). */
  #holdThread(): { unref(): void } | null {
    for (const socket of this.#events.keys()) {
      const mailbox = socket.context?.mailbox
      if (!mailbox) continue
      mailbox.ref()
      return mailbox
    }
    return null
  }

  #allClosed(): boolean {
    for (const socket of this.#events.keys()) if (!socket.closed) return false
    return true
  }

  #changeOrTimeout(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.#wake = null
        clearTimeout(timer)
        signal?.removeEventListener("abort", aborted)
      }
      const aborted = (): void => {
        done()
        reject(signal!.reason)
      }
      this.#wake = () => {
        done()
        resolve()
      }
      const timer = Number.isFinite(ms) ? setTimeout(this.#wake, ms) : undefined
      signal?.addEventListener("abort", aborted, { once: true })
    })
  }

  #check(): PollResult<S>[] {
    const results: PollResult<S>[] = []
    const look = (socket: S): void => {
      const wanted = this.#events.get(socket)
      if (!wanted) return
      const readable = wanted.readable && socket.readable
      const writable = wanted.writable && socket.writable
      if (readable || writable) {
        this.#ready.add(socket)
        results.push({ socket, readable, writable })
      } else {
        this.#ready.delete(socket)
      }
    }
    for (const socket of this.#ready) if (!this.#maybeChanged.has(socket)) look(socket)
    for (const socket of this.#maybeChanged) look(socket)
    this.#maybeChanged.clear()
    return results
  }
}

function normalise(events: PollEvents): { readable: boolean; writable: boolean } {
  return { readable: events.readable ?? false, writable: events.writable ?? false }
}

/** Options of merge(). */
export interface MergeOptions {
  /** Ends the iteration (without an error). */
  signal?: AbortSignal
}

/** A socket that merge() can read from. */
export interface ReceivingSocket<M> extends PollableSocket {
  receive(): Promise<M>
}

/** A socket and the message it received, for each socket type in S (merge() yields these). */
export type Merged<S extends ReceivingSocket<unknown>> = S extends unknown
  ? [S, Awaited<ReturnType<S["receive"]>>]
  : never

/**
 * Receives from several sockets at once, built on a Poller:
 * `for await (const [socket, message] of merge(a, b, { signal }))`. Fair across sockets (one
 * message from each ready socket in turn); ends when `signal` aborts or every socket is closed.
 * Sockets of several types give a union: `merge(pull, dealer)` yields `[Pull, Buffer[]] |
 * [Dealer, Buffer[]]`.
 */
export async function* merge<A extends Array<ReceivingSocket<unknown> | MergeOptions>>(
  ...args: A
): AsyncGenerator<Merged<Extract<A[number], ReceivingSocket<unknown>>>, void, undefined> {
  type S = Extract<A[number], ReceivingSocket<unknown>>
  const sockets = args.filter((a): a is S => "receive" in a)
  const { signal } = (args.find((a) => !("receive" in a)) ?? {}) as MergeOptions
  const poller = new Poller<S>()
  for (const socket of sockets) poller.add(socket, { readable: true })
  try {
    while (!signal?.aborted && sockets.some((s) => !s.closed)) {
      let ready: PollResult<S>[]
      try {
        ready = await poller.poll(-1, signal)
      } catch (err) {
        if (signal?.aborted) return
        throw err
      }
      for (const { socket } of ready) {
        if (signal?.aborted) return
        // Still readable: nothing else took the message since the poll looked.
        if (socket.readable) {
          yield [socket, await socket.receive()] as Merged<S>
        }
      }
    }
  } finally {
    poller.close()
  }
}
