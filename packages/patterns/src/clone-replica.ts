import { type CloneEntry, type KvMsg, publish } from "./clone-protocol.js"

/** A key's value changed in the client's copy; `value` null: it was deleted. */
export interface CloneChange {
  key: string
  value: Buffer | null
  /** The update's sequence number (for a key a snapshot no longer has, the snapshot's). */
  sequence: bigint
  properties: Readonly<Record<string, string>>
}

/**
 * A Clone client's copy of the server's hashmap (or of one subtree of it) and the last sequence
 * number seen: a snapshot replaces it whole, then each update numbered above that sequence is
 * applied, and any other discarded. Every change to the copy is told to `onChange`. Which server
 * the snapshot and updates come from, and when, is the CloneClient's business.
 *
 * Runs on the client's thread (the caller's).
 */
export class CloneReplica {
  readonly #subtree: string
  readonly #onChange: (change: CloneChange) => void
  #map = new Map<string, CloneEntry>()
  #sequence = 0n

  constructor(subtree: string, onChange: (change: CloneChange) => void) {
    this.#subtree = subtree
    this.#onChange = onChange
  }

  /** The last sequence number seen from the server in use. */
  get sequence(): bigint {
    return this.#sequence
  }

  get size(): number {
    return this.#map.size
  }

  entry(key: string): CloneEntry | undefined {
    return this.#map.get(key)
  }

  has(key: string): boolean {
    return this.#map.has(key)
  }

  keys(): IterableIterator<string> {
    return this.#map.keys()
  }

  *entries(): IterableIterator<[string, Buffer]> {
    for (const [key, entry] of this.#map) yield [key, entry.value]
  }

  /** Every entry with its uuid, sequence number and properties. */
  values(): IterableIterator<CloneEntry> {
    return this.#map.values()
  }

  /**
   * A server's snapshot (taken whole, not copied) replaces the copy at `sequence`: each key it
   * drops, and each it adds or changes, is a change.
   */
  replace(snapshot: Map<string, CloneEntry>, sequence: bigint, endpoint: string): void {
    const previous = this.#map
    this.#map = snapshot
    this.#sequence = sequence
    publish({
      type: "snapshot",
      side: "client",
      endpoint,
      subtree: this.#subtree,
      entries: this.#map.size,
      sequence,
    })
    for (const key of previous.keys()) {
      if (!this.#map.has(key)) this.#emit({ key, value: null, sequence, properties: {} })
    }
    for (const [key, entry] of this.#map) {
      if (previous.get(key)?.value.equals(entry.value)) continue
      this.#emit({
        key,
        value: entry.value,
        sequence: entry.sequence,
        properties: entry.properties,
      })
    }
  }

  /** An update from the server at `endpoint`: applied if numbered above the last one seen. */
  apply(msg: KvMsg, endpoint: string): void {
    const { key, sequence } = msg
    if (sequence <= this.#sequence) {
      publish({ type: "discarded", endpoint, key, sequence, last: this.#sequence })
      return
    }
    this.#sequence = sequence
    const deleted = msg.value.byteLength === 0
    publish({ type: "update", side: "client", endpoint, key, sequence, deleted })
    if (!deleted) {
      this.#map.set(key, entryOf(msg))
      this.#emit({ key, value: msg.value, sequence, properties: msg.properties })
    } else if (this.#map.delete(key)) {
      this.#emit({ key, value: null, sequence, properties: msg.properties })
    }
  }

  /** A listener that throws must not stop the client: its error surfaces on its own. */
  #emit(change: CloneChange): void {
    try {
      this.#onChange(change)
    } catch (err) {
      process.nextTick(() => {
        throw err
      })
    }
  }
}

/** What the copy keeps of an update or a KVSYNC. */
export function entryOf({ value, sequence, uuid, properties }: KvMsg): CloneEntry {
  return { value, sequence, uuid, properties }
}
