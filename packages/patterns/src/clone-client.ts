import { randomBytes } from "node:crypto"
import { EventEmitter } from "node:events"
import { type Context, ZmqError } from "omq"
import { type Clock, realClock } from "./clock.js"
import { ClonePendingSets } from "./clone-pending-sets.js"
import {
  CHP_HUGZ,
  CHP_KTHXBAI,
  type CloneAddress,
  type CloneEntry,
  type CloneSetOptions,
  checkCount,
  DEFAULT_SERVER_TIMEOUT,
  decodeKv,
  encodeKv,
  endpointOf,
  type KvMsg,
  parseAddress,
  publish,
  toUpdate,
} from "./clone-protocol.js"
import { type CloneChange, CloneReplica, entryOf } from "./clone-replica.js"
import { CloneSession } from "./clone-session.js"
import { reasonOf } from "./error-reason.js"

export interface CloneClientOptions {
  /** Only keys starting with this (RFC 12: "/segment/…/", or "" for all). Default "". */
  subtree?: string
  /** Milliseconds of silence (no update, no HUGZ) after which the next server is tried. Default 5,000. */
  timeout?: number
  context?: Context
  /** Timers (tests inject their own). */
  clock?: Clock
}

/**
 * A Clone client (RFC 12, CHP; the guide's clone agent without its background thread): a copy
 * of a server's hashmap, or of one subtree of it, kept current.
 *
 * connect() subscribes to updates first, then asks for a snapshot, so nothing is missed in
 * between: updates that arrive meanwhile wait, and after KTHXBAI those numbered above it are
 * applied. From then on every update numbered above the last one seen is applied, any other is
 * discarded. Each change to the copy is emitted as "change".
 *
 * set() and delete() send a KVSET (with a fresh uuid) to the server's collector; they resolve
 * when the server publishes it back (a key outside the subtree: once sent), so get() then
 * shows it. A server silent for `timeout` ms (HUGZ keep a live one talking), or whose
 * connection drops, is left for the next one in the list (round robin; one server is asked
 * again): the copy is replaced by the new server's snapshot, and sets it has not published back
 * are sent to it again. The copy itself is a CloneReplica. Runs on the caller's thread.
 */
export class CloneClient extends EventEmitter<{ change: [CloneChange] }> {
  readonly #servers: CloneAddress[]
  readonly #subtree: string
  readonly #timeout: number
  readonly #clock: Clock
  readonly #context: Context | undefined
  readonly #replica: CloneReplica
  #current = 0
  #session: CloneSession | null = null
  #silence: unknown = null
  readonly #pending = new ClonePendingSets()
  #ready: Promise<void> | null = null
  #onReady: { resolve(): void; reject(err: unknown): void } | null = null
  #closed = false

  /** `servers`: each `tcp://host:P` or `{ host, port: P }`, P the snapshot port. */
  constructor(servers: ReadonlyArray<string | CloneAddress>, options: CloneClientOptions = {}) {
    super()
    if (!Array.isArray(servers) || servers.length === 0) {
      throw new TypeError("servers must be a non-empty array of tcp://host:port")
    }
    this.#servers = servers.map((s) => parseAddress(s, false))
    const subtree = options.subtree ?? ""
    if (typeof subtree !== "string") throw new TypeError("subtree must be a string")
    this.#subtree = subtree
    this.#timeout = options.timeout ?? DEFAULT_SERVER_TIMEOUT
    checkCount("timeout", this.#timeout, 1)
    this.#clock = options.clock ?? realClock
    this.#replica = new CloneReplica(subtree, (change) => this.emit("change", change))
    this.#context = options.context
  }

  /**
   * Starts: resolves once the first snapshot is applied (trying the servers in turn until one
   * answers). Aborting `signal` rejects it with its reason; the client keeps trying.
   */
  connect(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new ZmqError("EBADF", "client is closed"))
    if (this.#ready === null) {
      this.#ready = new Promise((resolve, reject) => (this.#onReady = { resolve, reject }))
      this.#ready.catch(() => {}) // rejected by close() with nobody waiting: not unhandled
      this.#open()
    }
    const { signal } = options
    if (!signal) return this.#ready
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason)
      if (signal.aborted) return onAbort()
      signal.addEventListener("abort", onAbort, { once: true })
      this.#ready!.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort))
    })
  }

  /** The server in use (its snapshot endpoint). */
  get server(): string {
    return endpointOf(this.#servers[this.#current]!)
  }

  /** The last sequence number seen from the server in use. */
  get sequence(): bigint {
    return this.#replica.sequence
  }

  get size(): number {
    return this.#replica.size
  }

  get(key: string): Buffer | undefined {
    return this.#replica.entry(key)?.value
  }

  /** A key with its sequence number, uuid and properties. */
  entry(key: string): CloneEntry | undefined {
    return this.#replica.entry(key)
  }

  has(key: string): boolean {
    return this.#replica.has(key)
  }

  keys(): IterableIterator<string> {
    return this.#replica.keys()
  }

  entries(): IterableIterator<[string, Buffer]> {
    return this.#replica.entries()
  }

  [Symbol.iterator](): IterableIterator<[string, Buffer]> {
    return this.entries()
  }

  /** Sets `key` through the server (see the class comment for when it resolves). */
  set(key: string, value: string | Uint8Array, options: CloneSetOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new ZmqError("EBADF", "client is closed"))
    let update: ReturnType<typeof toUpdate>
    try {
      update = toUpdate(key, value, options)
    } catch (err) {
      return Promise.reject(err)
    }
    const uuid = randomBytes(16)
    const frames = encodeKv({ ...update, sequence: 0n, uuid })
    const settled = this.#pending.add(uuid, frames, update.key.startsWith(this.#subtree))
    this.#flush()
    return settled
  }

  /** Deletes `key` through the server (an update with an empty value). */
  delete(key: string): Promise<void> {
    return this.set(key, "")
  }

  /** Closes the sockets at once; a connect() or set() still waiting rejects with EBADF. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#clock.clearTimeout(this.#silence)
    this.#session?.close()
    this.#session = null
    const closed = new ZmqError("EBADF", "client is closed")
    this.#onReady?.reject(closed)
    this.#onReady = null
    this.#pending.rejectAll(closed)
  }

  /** A session with the current server: subscribe, then ask for a snapshot. */
  #open(): void {
    const session = new CloneSession(this.#servers[this.#current]!, this.#subtree, {
      context: this.#context,
      onSnapshot: (frames) => this.#onSnapshot(session, frames),
      onUpdate: (frames) => this.#onUpdate(session, frames),
      onCollectorReady: () => this.#flush(),
      onHeard: () => this.#heard(session),
      onLost: () => this.#failover(session),
    })
    this.#session = session
    this.#heard(session) // the silence timer runs from the start: a dead server is passed over
  }

  /** Anything from the server in use puts off the failover by another `timeout`. */
  #heard(session: CloneSession): void {
    if (session !== this.#session) return
    this.#clock.clearTimeout(this.#silence)
    this.#silence = this.#clock.setTimeout(() => this.#failover(session), this.#timeout)
  }

  #failover(session: CloneSession): void {
    if (session !== this.#session || this.#closed) return
    session.close()
    this.#current = (this.#current + 1) % this.#servers.length
    publish({ type: "failover", from: session.endpoint, to: this.server })
    this.#open()
  }

  #onSnapshot(session: CloneSession, frames: Buffer[]): void {
    if (session.synced) {
      this.#malformed(session, "snapshot", "a message after KTHXBAI")
      return
    }
    const msg = this.#decode(session, "snapshot", frames)
    if (msg === null) return
    if (msg.key === CHP_KTHXBAI) {
      // The guide's servers send the subtree in KTHXBAI's value or leave it empty: either does.
      this.#synced(session, msg.sequence)
    } else if (msg.value.byteLength > 0) {
      session.snapshot.set(msg.key, entryOf(msg))
    }
  }

  /** KTHXBAI: the snapshot replaces the copy, then the updates held back meanwhile apply. */
  #synced(session: CloneSession, sequence: bigint): void {
    session.synced = true
    this.#replica.replace(session.snapshot, sequence, session.endpoint)
    // Sets of ours the server had before the snapshot (uuids in KVSYNC, as the guide sends them).
    for (const entry of this.#replica.values()) this.#pending.settle(entry.uuid)
    for (const msg of session.held.splice(0)) this.#apply(session, msg)
    this.#onReady?.resolve()
    this.#onReady = null
    this.#flush()
  }

  #onUpdate(session: CloneSession, frames: Buffer[]): void {
    const msg = this.#decode(session, "publisher", frames)
    // A HUGZ only says the server lives; its sequence (the guide sends one) means nothing. Our
    // "HUGZ" subscription would also let in keys like "HUGZ…" from outside the subtree.
    if (msg === null || msg.key === CHP_HUGZ || !msg.key.startsWith(this.#subtree)) return
    if (session.synced) this.#apply(session, msg)
    else session.held.push(msg)
  }

  #apply(session: CloneSession, msg: KvMsg): void {
    this.#pending.settle(msg.uuid) // applied or not, the server has published it
    this.#replica.apply(msg, session.endpoint)
  }

  /** Sends the sets not yet sent to the server in use, once it is synced and listening. */
  #flush(): void {
    const session = this.#session
    if (session?.synced && session.collectorReady) this.#pending.sendOn(session)
  }

  /** The message, or null when it is not CHP (published as malformed). */
  #decode(session: CloneSession, socket: "snapshot" | "publisher", frames: Buffer[]): KvMsg | null {
    try {
      return decodeKv(frames)
    } catch (err) {
      this.#malformed(session, socket, reasonOf(err))
      return null
    }
  }

  #malformed(session: CloneSession, socket: "snapshot" | "publisher", reason: string): void {
    publish({ type: "malformed", side: "client", endpoint: session.endpoint, socket, reason })
  }
}
