/**
 * Subscriptions: prefixes mapped to the keys (peers) that subscribed to them, with a count per
 * (prefix, key) because subscriptions are counted in ZeroMQ: subscribing twice needs two
 * cancels. Matching walks the topic's bytes once, so its cost does not grow with the number of
 * subscriptions (libzmq's mtrie does the same).
 */
interface TrieNode<K> {
  children: Map<number, TrieNode<K>> | null
  /** Keys subscribed to exactly the prefix that ends here, with their counts. */
  keys: Map<K, number> | null
}

export class PrefixTrie<K> {
  readonly #root: TrieNode<K> = { children: null, keys: null }
  /** Every prefix each key holds, for removeKey. */
  readonly #byKey = new Map<K, Map<string, number>>()

  /** Adds one subscription; true when it is the key's first to this prefix. */
  add(prefix: Uint8Array, key: K): boolean {
    let node = this.#root
    for (const byte of prefix) {
      node.children ??= new Map()
      let next = node.children.get(byte)
      if (!next) {
        next = { children: null, keys: null }
        node.children.set(byte, next)
      }
      node = next
    }
    node.keys ??= new Map()
    const count = (node.keys.get(key) ?? 0) + 1
    node.keys.set(key, count)
    const own = this.#byKey.get(key) ?? new Map<string, number>()
    this.#byKey.set(key, own)
    own.set(latin1(prefix), count)
    return count === 1
  }

  /** Removes one subscription; true when it was the key's last to this prefix. */
  remove(prefix: Uint8Array, key: K): boolean {
    const path: Array<[TrieNode<K>, number]> = []
    let node: TrieNode<K> | undefined = this.#root
    for (const byte of prefix) {
      const next: TrieNode<K> | undefined = node.children?.get(byte)
      if (!next) return false
      path.push([node, byte])
      node = next
    }
    const count = node.keys?.get(key)
    if (count === undefined) return false
    const own = this.#byKey.get(key)!
    if (count > 1) {
      node.keys!.set(key, count - 1)
      own.set(latin1(prefix), count - 1)
      return false
    }
    node.keys!.delete(key)
    own.delete(latin1(prefix))
    if (own.size === 0) this.#byKey.delete(key)
    this.#prune(node, path)
    return true
  }

  /** Drops every subscription of `key` (its peer left); returns the prefixes it held. */
  removeKey(key: K): Uint8Array[] {
    const own = this.#byKey.get(key)
    if (!own) return []
    const prefixes = [...own.keys()].map((p) => Buffer.from(p, "latin1"))
    for (const prefix of prefixes) {
      for (let n = own.get(latin1(prefix)) ?? 0; n > 0; n--) this.remove(prefix, key)
    }
    return prefixes
  }

  /** Calls `visit` once for each key subscribed to some prefix of `topic`. */
  match(topic: Uint8Array, visit: (key: K) => void): void {
    const seen = new Set<K>()
    let node: TrieNode<K> | undefined = this.#root
    let i = 0
    while (node) {
      if (node.keys) {
        for (const key of node.keys.keys()) {
          if (!seen.has(key)) {
            seen.add(key)
            visit(key)
          }
        }
      }
      if (i === topic.length) break
      node = node.children?.get(topic[i++]!)
    }
  }

  /** Whether any key holds a prefix of `topic`. */
  matches(topic: Uint8Array): boolean {
    let node: TrieNode<K> | undefined = this.#root
    for (let i = 0; node; i++) {
      if (node.keys && node.keys.size > 0) return true
      if (i === topic.length) return false
      node = node.children?.get(topic[i]!)
    }
    return false
  }

  /** Whether `key` holds `prefix`. */
  has(prefix: Uint8Array, key: K): boolean {
    return this.#byKey.get(key)?.has(latin1(prefix)) ?? false
  }

  /** The prefixes `key` holds, each once. */
  prefixesOf(key: K): Uint8Array[] {
    return [...(this.#byKey.get(key)?.keys() ?? [])].map((p) => Buffer.from(p, "latin1"))
  }

  #prune(node: TrieNode<K>, path: Array<[TrieNode<K>, number]>): void {
    let child = node
    for (let i = path.length - 1; i >= 0; i--) {
      if ((child.keys && child.keys.size > 0) || (child.children && child.children.size > 0)) return
      const [parent, byte] = path[i]!
      parent.children!.delete(byte)
      child = parent
    }
  }
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")
}
