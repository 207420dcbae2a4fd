/** The error a handshake event carries: a ZeroMQ-style code (EPROTO, EACCES, EMSGSIZE...). */
export interface EventError extends Error {
  code?: string
}

/**
 * A browser socket's events, named as zeromq.js names libzmq's monitor events; only those a
 * connecting WebSocket can have.
 */
export type SocketEvent =
  | { type: "connect"; address: string }
  | { type: "connect:retry"; address: string; interval: number }
  | { type: "handshake"; address: string }
  | { type: "handshake:error:protocol"; address: string; error: EventError }
  | { type: "handshake:error:auth"; address: string; error: EventError }
  | { type: "handshake:error:other"; address: string; error: EventError }
  | { type: "disconnect"; address: string }
  | { type: "end" }

export type SocketEventType = SocketEvent["type"]
export type SocketEventOfType<T extends SocketEventType> = Extract<SocketEvent, { type: T }>

type Listener = (event: SocketEvent) => void

/**
 * `socket.events`: listeners per event type. Unlike Node's Observer it keeps no queue, so an
 * event nobody listens to costs one Map lookup.
 */
export class SocketEvents {
  readonly #listeners = new Map<SocketEventType, Set<Listener>>()

  /** Calls `listener` for each event of `type`. */
  on<T extends SocketEventType>(type: T, listener: (event: SocketEventOfType<T>) => void): this {
    const set = this.#listeners.get(type) ?? new Set()
    set.add(listener as Listener)
    this.#listeners.set(type, set)
    return this
  }

  off<T extends SocketEventType>(type: T, listener: (event: SocketEventOfType<T>) => void): this {
    this.#listeners.get(type)?.delete(listener as Listener)
    return this
  }

  /** @internal */
  emit(event: SocketEvent): void {
    const set = this.#listeners.get(event.type)
    if (!set) return
    for (const listener of set) {
      try {
        listener(event)
      } catch (err) {
        // A listener's error is the page's to see, not the connection's that reported it.
        setTimeout(() => {
          throw err
        })
      }
    }
  }
}
