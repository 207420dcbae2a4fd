import { type Carrier, type Listener, ZmqError } from "@omq/transport"
import type { HostEvent } from "./host-events.js"

/** What the listeners need from their HostedSocket. */
export interface ListenersHost {
  event(event: HostEvent): void
  /** The socket is closing: new connections are refused. */
  closing(): boolean
}

/**
 * A socket's bound endpoints: the listeners, the connections each accepted (unbind() drops
 * them, as libzmq does), and which connections were closed on purpose.
 */
export class HostedListeners {
  readonly #host: ListenersHost
  /** By resolved endpoint, and by the endpoint as given when it had wildcards. */
  readonly #byEndpoint = new Map<string, Listener>()
  readonly #accepted = new Map<Listener, Set<Carrier>>()
  /** Connections closed by unbind(): no disconnect event for them. */
  readonly #dropped = new WeakSet<Carrier>()

  constructor(host: ListenersHost) {
    this.#host = host
  }

  /**
   * Binds `endpoint`; resolves with the endpoint resolved (wildcards filled in). `accept` runs
   * each connection accepted through it, with that resolved endpoint.
   */
  async bind(
    endpoint: string,
    listen: (onConnection: (carrier: Carrier) => void) => Promise<Listener>,
    accept: (carrier: Carrier, endpoint: string) => void,
  ): Promise<string> {
    const host = this.#host
    const accepted = new Set<Carrier>()
    let listener: Listener
    try {
      listener = await listen((carrier) => {
        if (host.closing()) {
          carrier.destroy()
          return
        }
        accepted.add(carrier)
        carrier.onClose(() => accepted.delete(carrier))
        host.event({ type: "accept", address: listener.endpoint })
        accept(carrier, listener.endpoint)
      })
    } catch (err) {
      // libzmq reports a failed tcp or ipc bind by its address without the scheme.
      const address = endpoint.replace(/^(tcp|ipc):\/\//, "")
      host.event({ type: "bind:error", address, error: err as ZmqError })
      throw err
    }
    if (host.closing()) {
      void listener.close()
      throw new ZmqError("ETERM", "socket closed while binding")
    }
    listener.onAcceptError = (error) =>
      host.event({ type: "accept:error", address: listener.endpoint, error })
    this.#accepted.set(listener, accepted)
    this.#byEndpoint.set(listener.endpoint, listener)
    if (listener.endpoint !== endpoint) this.#byEndpoint.set(endpoint, listener)
    host.event({ type: "bind", address: listener.endpoint })
    return listener.endpoint
  }

  /** Stops listening on `endpoint` and drops the connections accepted through it. */
  async unbind(endpoint: string): Promise<void> {
    const listener = this.#byEndpoint.get(endpoint)
    if (!listener) throw new ZmqError("ENOENT", `not bound to ${endpoint}`, endpoint)
    for (const [key, value] of this.#byEndpoint)
      if (value === listener) this.#byEndpoint.delete(key)
    for (const carrier of this.#accepted.get(listener) ?? []) {
      this.#dropped.add(carrier)
      carrier.destroy()
    }
    this.#accepted.delete(listener)
    await this.#close(listener)
  }

  /** Closes one listener and reports it: `close`, or `close:error` when closing failed. */
  async #close(listener: Listener): Promise<void> {
    const address = listener.endpoint
    try {
      await listener.close()
    } catch (err) {
      const error = err instanceof ZmqError ? err : new ZmqError("EINVAL", String(err), address)
      this.#host.event({ type: "close:error", address, error })
      return
    }
    this.#host.event({ type: "close", address })
  }

  /** The connection was closed by unbind(). */
  droppedOnPurpose(carrier: Carrier): boolean {
    return this.#dropped.has(carrier)
  }

  /** Stops every listener at once; the promise resolves once all are closed (and reported). */
  closeAll(): Promise<void> {
    const bound = [...new Set(this.#byEndpoint.values())]
    this.#byEndpoint.clear()
    return Promise.all(bound.map((listener) => this.#close(listener))).then(() => {})
  }
}
