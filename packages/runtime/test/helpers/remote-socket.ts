// Sockets that live on other threads, for the "inproc across two threads" column of the spec
// matrix: each RemoteSocket is made in one of a pool of worker threads (fixtures/socket-host.ts)
// and driven from the test's thread over comlink, with the surface the spec bodies use. Sockets
// go to the threads in turn, so the sockets of one test sit on different threads and every
// inproc pipe between them crosses threads.

import { after } from "node:test"
import { Worker } from "node:worker_threads"
import * as Comlink from "comlink/dist/esm/comlink.mjs"
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs"
import type { Context } from "omq"
import * as omq from "omq"
import { ZmqError, type ZmqErrorCode } from "omq"
import type { Outcome, SocketHost } from "../fixtures/socket-host.js"

/** Worker threads hosting sockets; enough that a test's sockets each get a thread of their own. */
export class SocketHosts {
  readonly #count: number
  readonly #workers: Worker[] = []
  readonly #hosts: Comlink.Remote<SocketHost>[] = []
  #next = 0
  #ids = 0

  /** @param count threads, started at the first socket. */
  constructor(count: number) {
    this.#count = count
  }

  /** The next host in turn, and a socket id. */
  place(): [Comlink.Remote<SocketHost>, number] {
    if (this.#hosts.length === 0) {
      for (let i = 0; i < this.#count; i++) {
        const worker = new Worker(new URL("../fixtures/socket-host.js", import.meta.url))
        this.#workers.push(worker)
        this.#hosts.push(Comlink.wrap<SocketHost>(nodeEndpoint(worker)))
      }
    }
    const host = this.#hosts[this.#next++ % this.#hosts.length]!
    return [host, ++this.#ids]
  }

  async terminate(): Promise<void> {
    for (const host of this.#hosts.splice(0)) host[Comlink.releaseProxy]()
    await Promise.all(this.#workers.splice(0).map((w) => w.terminate()))
  }
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value
  throw new ZmqError(outcome.code as ZmqErrorCode, outcome.message)
}

/**
 * A socket on another thread. Calls keep their order (comlink's messages do): connect(),
 * disconnect() and option setters return at once, as on a local socket.
 */
export class RemoteSocket {
  readonly #host: Comlink.Remote<SocketHost>
  readonly #id: number
  readonly #made: Promise<void>
  #options = new Map<string, unknown>()
  lastEndpoint: string | null = null
  closed = false
  finished: Promise<void> | undefined

  constructor(hosts: SocketHosts, kind: string, options: { context: Context } & object) {
    ;[this.#host, this.#id] = hosts.place()
    const { context, ...rest } = options
    for (const [k, v] of Object.entries(rest)) this.#options.set(k, v)
    this.#made = this.#host.create(this.#id, kind, context.handle, rest)
  }

  async bind(endpoint: string): Promise<void> {
    this.lastEndpoint = unwrap(await this.#host.bindTo(this.#id, endpoint))
  }
  async unbind(endpoint: string): Promise<void> {
    unwrap(await this.#host.unbindFrom(this.#id, endpoint))
  }
  connect(endpoint: string, options?: object): void {
    void this.#host.connect(this.#id, endpoint, options)
  }
  disconnect(endpoint: string): void {
    void this.#host.disconnect(this.#id, endpoint)
  }
  subscribe(...topics: string[]): void {
    void this.#host.call(this.#id, "subscribe", topics)
  }
  async send(message: omq.Message): Promise<void> {
    unwrap(await this.#host.send(this.#id, message))
  }
  async receive(): Promise<Buffer[]> {
    const frames = unwrap(await this.#host.receive(this.#id)) as Uint8Array[]
    return frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))
  }
  get sendTimeout(): number {
    return this.#option("sendTimeout", -1)
  }
  set sendTimeout(value: number) {
    this.#set("sendTimeout", value)
  }
  get receiveTimeout(): number {
    return this.#option("receiveTimeout", -1)
  }
  set receiveTimeout(value: number) {
    this.#set("receiveTimeout", value)
  }
  close(): void {
    if (this.closed) return
    this.closed = true
    this.finished = this.#made.then(() => this.#host.close(this.#id))
  }

  #option<T>(name: string, fallback: T): T {
    return (this.#options.get(name) as T | undefined) ?? fallback
  }
  #set(name: string, value: unknown): void {
    this.#options.set(name, value)
    void this.#host.set(this.#id, name, value)
  }
}

/** The socket classes a spec body makes sockets with: omq's own, or ones on other threads. */
export type SocketClasses = Pick<
  typeof omq,
  "Push" | "Pull" | "Request" | "Reply" | "Dealer" | "Router" | "XPublisher" | "Subscriber"
>

/** Classes whose instances live on the hosts' threads (typed as omq's: the bodies' surface). */
export function remoteClasses(hosts: SocketHosts): SocketClasses {
  const remote = (kind: string) =>
    class extends RemoteSocket {
      constructor(options: { context: Context }) {
        super(hosts, kind, options)
      }
    }
  return {
    Push: remote("Push"),
    Pull: remote("Pull"),
    Request: remote("Request"),
    Reply: remote("Reply"),
    Dealer: remote("Dealer"),
    Router: remote("Router"),
    XPublisher: remote("XPublisher"),
    Subscriber: remote("Subscriber"),
  } as unknown as SocketClasses
}

/**
 * The classes a suite over `transport` makes its far sockets with: omq's own, or for
 * "inproc-threads" ones on `threads` other threads (started now, ended after the suite). Call it
 * inside the suite's describe().
 */
export function classesFor(transport: string, threads: number): SocketClasses {
  if (transport !== "inproc-threads") return omq
  const hosts = new SocketHosts(threads)
  after(() => hosts.terminate())
  return remoteClasses(hosts)
}
