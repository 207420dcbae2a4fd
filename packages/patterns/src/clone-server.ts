import { randomBytes } from "node:crypto"
import { type Context, Publisher, Router, Subscriber, ZmqError } from "omq"
import { type Clock, realClock } from "./clock.js"
import {
  CHP_HUGZ,
  CHP_ICANHAZ,
  CHP_KTHXBAI,
  type CloneAddress,
  type CloneEntry,
  type CloneSetOptions,
  COLLECTOR_OFFSET,
  checkCount,
  checkUpdate,
  commandKv,
  DEFAULT_HUGZ_INTERVAL,
  decodeKv,
  encodeKv,
  endpointOf,
  type KvMsg,
  nextSequence,
  PUBLISHER_OFFSET,
  parseAddress,
  publish,
  toUpdate,
  ttlOf,
} from "./clone-protocol.js"
import { reasonOf } from "./error-reason.js"

export interface CloneServerOptions {
  /** Milliseconds without an update after which HUGZ is published. Default 1,000. */
  hugzInterval?: number
  context?: Context
  /** Timers: HUGZ and ttl expiry (tests inject their own). */
  clock?: Clock
}

/** Port-0 binds try this many free P whose P + 1 and P + 2 are free too. */
const BIND_ATTEMPTS = 20
/** Node's timers take at most 2^31 - 1 ms; a longer ttl waits in several steps. */
const MAX_TIMER = 0x7fff_ffff

interface Stored extends CloneEntry {
  /** The ttl timer, while one runs. */
  expiry: unknown
}

/**
 * A Clone server (RFC 12, CHP): holds the hashmap, each key with the sequence number of the
 * update that set it, its uuid and its properties (they persist: snapshots carry them).
 *
 * - ROUTER on P: `ICANHAZ? subtree` is answered with a KVSYNC per key starting with the
 *   subtree, then `KTHXBAI` with the sequence number the snapshot is current to. The snapshot is
 *   taken at once, so updates made while it is sent are not in it but have higher numbers.
 * - PUB on P + 1: every update as KVPUB with the next sequence number; HUGZ (sequence 0, as the
 *   RFC draws it) after `hugzInterval` ms with nothing published.
 * - SUB on P + 2: clients' KVSETs, applied and republished. A `ttl` property (seconds) deletes
 *   the key when it runs out, unless an update came since; the deletion is published.
 *
 * A malformed message is dropped and published as "malformed"; the server goes on. Runs on the
 * caller's thread.
 */
export class CloneServer {
  readonly snapshot: Router
  readonly publisher: Publisher
  readonly collector: Subscriber
  readonly #address: CloneAddress
  readonly #hugzInterval: number
  readonly #clock: Clock
  readonly #map = new Map<string, Stored>()
  /** The snapshot endpoint as bound (events name the server by it). */
  #endpoint = ""
  #sequence = 0n
  #hugz: unknown = null
  #closed = false

  private constructor(address: CloneAddress, options: CloneServerOptions) {
    this.#address = address
    this.#hugzInterval = options.hugzInterval ?? DEFAULT_HUGZ_INTERVAL
    this.#clock = options.clock ?? realClock
    const context = options.context ? { context: options.context } : {}
    this.snapshot = new Router({ linger: 0, ...context })
    this.publisher = new Publisher({ linger: 0, ...context })
    this.collector = new Subscriber({ linger: 0, ...context })
    this.collector.subscribe()
  }

  /**
   * A server on `where`: a port P (every interface), `tcp://host:P`, or `{ host, port }`, with
   * P + 1 and P + 2 as well. Port 0 (or `*`) picks a free P whose two neighbours are free.
   */
  static async bind(
    where: number | string | CloneAddress,
    options: CloneServerOptions = {},
  ): Promise<CloneServer> {
    const address = parseAddress(
      typeof where === "number" ? { host: "*", port: where } : where,
      true,
    )
    checkCount("hugzInterval", options.hugzInterval ?? DEFAULT_HUGZ_INTERVAL, 1)
    for (let attempt = 1; ; attempt++) {
      const server = new CloneServer(address, options)
      try {
        await server.#bind()
        return server
      } catch (err) {
        server.close()
        const retry = address.port === 0 && attempt < BIND_ATTEMPTS
        if (!retry || !(err instanceof ZmqError && err.code === "EADDRINUSE")) throw err
      }
    }
  }

  async #bind(): Promise<void> {
    await this.snapshot.bind(endpointOf(this.#address))
    this.#endpoint = this.snapshot.lastEndpoint!
    const port = portOf(this.#endpoint)
    if (port > 65533) throw new ZmqError("EADDRINUSE", `no room for ports ${port + 1}, ${port + 2}`)
    const bound = { host: this.#address.host, port }
    await this.publisher.bind(endpointOf(bound, PUBLISHER_OFFSET))
    await this.collector.bind(endpointOf(bound, COLLECTOR_OFFSET))
    this.#armHugz()
    void this.#serveSnapshots()
    void this.#collect()
  }

  /** The snapshot port P (updates on P + 1, the collector on P + 2). */
  get port(): number {
    return portOf(this.#endpoint)
  }

  /** Where clients connect (the snapshot port), as bound: `tcp://0.0.0.0:P` for every interface. */
  get endpoint(): string {
    return this.#endpoint
  }

  /** The sequence number of the last update published (0 before any). */
  get sequence(): bigint {
    return this.#sequence
  }

  get size(): number {
    return this.#map.size
  }

  get(key: string): CloneEntry | undefined {
    const stored = this.#map.get(key)
    return stored && entryOf(stored)
  }

  *entries(): IterableIterator<[string, CloneEntry]> {
    for (const [key, stored] of this.#map) yield [key, entryOf(stored)]
  }

  /** Sets `key` as a client's KVSET would (a fresh uuid); returns the update's sequence number. */
  set(key: string, value: string | Uint8Array, options: CloneSetOptions = {}): bigint {
    if (this.#closed) throw new ZmqError("EBADF", "server is closed")
    const update = toUpdate(key, value, options)
    return this.#apply({ ...update, uuid: randomBytes(16), sequence: 0n }, ttlOf(update.properties))
  }

  /** Deletes `key` (publishes an empty value); returns the update's sequence number. */
  delete(key: string): bigint {
    return this.set(key, "")
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#clock.clearTimeout(this.#hugz)
    for (const stored of this.#map.values()) this.#clock.clearTimeout(stored.expiry)
    this.snapshot.close()
    this.publisher.close()
    this.collector.close()
  }

  /** Publishes `update` with the next sequence number and stores it (or deletes its key). */
  #apply(update: KvMsg, ttl: number | null): bigint {
    const sequence = nextSequence(this.#sequence)
    this.#sequence = sequence
    const published: KvMsg = { ...update, sequence }
    void this.publisher.send(encodeKv(published)).catch(() => {}) // PUB drops, never waits
    this.#armHugz()
    const previous = this.#map.get(update.key)
    if (previous) this.#clock.clearTimeout(previous.expiry)
    const deleted = update.value.byteLength === 0
    if (deleted) {
      this.#map.delete(update.key)
    } else {
      const stored: Stored = { ...entryOf(published), expiry: null }
      this.#map.set(update.key, stored)
      if (ttl !== null) this.#expireIn(update.key, stored, ttl)
    }
    publish({
      type: "update",
      side: "server",
      endpoint: this.endpoint,
      key: update.key,
      sequence,
      deleted,
    })
    return sequence
  }

  /** After `ms`, deletes `key` if `stored` is still its entry (no update came since). */
  #expireIn(key: string, stored: Stored, ms: number): void {
    stored.expiry = this.#clock.setTimeout(
      () => {
        if (ms > MAX_TIMER) return this.#expireIn(key, stored, ms - MAX_TIMER)
        stored.expiry = null
        if (this.#closed || this.#map.get(key) !== stored) return
        const empty = Buffer.alloc(0)
        const sequence = this.#apply(
          { key, sequence: 0n, uuid: empty, properties: {}, value: empty },
          null,
        )
        publish({ type: "expired", endpoint: this.endpoint, key, sequence })
      },
      Math.min(ms, MAX_TIMER),
    )
  }

  /** HUGZ only when idle: every publication puts it off by another interval. */
  #armHugz(): void {
    this.#clock.clearTimeout(this.#hugz)
    if (this.#closed) return
    this.#hugz = this.#clock.setTimeout(() => {
      if (this.#closed) return
      void this.publisher.send(commandKv(CHP_HUGZ, 0n)).catch(() => {})
      this.#armHugz()
    }, this.#hugzInterval)
  }

  async #serveSnapshots(): Promise<void> {
    try {
      for await (const [client, command, subtreeFrame, ...extra] of this.snapshot) {
        if (this.#closed) return
        // The guide's early clients (clonecli3) send ICANHAZ? without a subtree: all keys.
        if (command?.toString("latin1") !== CHP_ICANHAZ || extra.length > 0) {
          this.#malformed("snapshot", `not "ICANHAZ? subtree"`)
          continue
        }
        const subtree = subtreeFrame?.toString() ?? ""
        // Taken whole before the first send, so it is current to exactly #sequence.
        const sequence = this.#sequence
        const messages: Buffer[][] = []
        for (const [key, stored] of this.#map) {
          if (key.startsWith(subtree)) messages.push(encodeKv({ key, ...entryOf(stored) }))
        }
        for (const frames of messages) await this.snapshot.send([client!, ...frames])
        await this.snapshot.send([
          client!,
          ...commandKv(CHP_KTHXBAI, sequence, Buffer.from(subtree)),
        ])
        publish({
          type: "snapshot",
          side: "server",
          endpoint: this.endpoint,
          subtree,
          entries: messages.length,
          sequence,
        })
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  async #collect(): Promise<void> {
    try {
      for await (const frames of this.collector) {
        if (this.#closed) return
        let update: KvMsg
        let ttl: number | null
        try {
          update = decodeKv(frames)
          checkUpdate(update)
          ttl = ttlOf(update.properties)
        } catch (err) {
          this.#malformed("collector", reasonOf(err))
          continue
        }
        this.#apply(update, ttl)
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  #malformed(socket: "snapshot" | "collector", reason: string): void {
    publish({ type: "malformed", side: "server", endpoint: this.endpoint, socket, reason })
  }
}

function entryOf({ value, sequence, uuid, properties }: CloneEntry): CloneEntry {
  return { value, sequence, uuid, properties }
}

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1))
}
