import {
  adopt,
  childAt,
  drop,
  fresh,
  latin1,
  prefixOf,
  RadixNode,
  replace,
  single,
} from "./radix-node.js"

/**
 * Subscriptions: prefixes mapped to the keys (peers) that subscribed to them, with a count per
 * (prefix, key) because subscriptions are counted in ZeroMQ: subscribing twice needs two
 * cancels. Matching walks the topic's bytes once, so its cost does not grow with the number of
 * subscriptions (libzmq's mtrie does the same).
 *
 * The trie is path-compressed (a radix trie): an edge carries a run of bytes, so a prefix costs
 * about its own length once, not a node per byte. Every node but the root holds keys or has at
 * least two children; removals merge what that leaves behind.
 *
 *   root ─"we"─▶ (w) ─"ather"─▶ (w)          subscriptions: "we" and "weather" by w,
 *        └"sport"─▶ (s)                                     "sport" by s
 *
 * A node, its labels and its children's two shapes are in radix-node.ts.
 *
 * Each key keeps a Set of the nodes where it holds a prefix, so removeKey (a peer left) costs
 * that key's own subscriptions, not a walk of the trie. All told, one peer's random 200-byte
 * subscription costs ~360 bytes of heap (bench/subscription-memory.js).
 */

export class PrefixTrie<K> {
  readonly #root = new RadixNode<K>("", null)
  /** The nodes where each key holds a prefix, for removeKey and prefixesOf (no byte copies). */
  readonly #byKey = new Map<K, Set<RadixNode<K>>>()
  #size = 0

  /** How many distinct (prefix, key) pairs are held. */
  get size(): number {
    return this.#size
  }

  /** Adds one subscription; true when it is the key's first to this prefix. */
  add(prefix: Uint8Array, key: K): boolean {
    const node = this.#insert(prefix)
    if (node.increment(key) > 1) return false
    this.#own(key, node)
    return true
  }

  /**
   * Adds the subscription unless `key` holds it already (a set, as a PUB keeps: its count stays
   * 1); true when it was new.
   */
  addOnce(prefix: Uint8Array, key: K): boolean {
    const node = this.#insert(prefix)
    if (node.countOf(key) > 0) return false // the prefix exists, so nothing was made
    node.increment(key)
    this.#own(key, node)
    return true
  }

  /** Removes one subscription; true when it was the key's last to this prefix. */
  remove(prefix: Uint8Array, key: K): boolean {
    const node = this.#find(prefix)
    if (!node || node.countOf(key) === 0) return false
    if (node.decrement(key, 1) > 0) return false
    this.#forget(key, node)
    this.#size--
    this.#prune(node)
    return true
  }

  /** Drops every subscription of `key` (its peer left); returns how many prefixes it held. */
  removeKey(key: K): number {
    const own = this.#byKey.get(key)
    if (!own) return 0
    this.#byKey.delete(key)
    this.#size -= own.size
    for (const node of own) {
      node.decrement(key, Number.POSITIVE_INFINITY)
      this.#prune(node)
    }
    return own.size
  }

  /** Calls `visit` once for each key subscribed to some prefix of `topic`. */
  match(topic: Uint8Array, visit: (key: K) => void): void {
    // Keys are unique within a node; a Set to skip repeats is made only when a second node on
    // the path holds keys (rare: most topics meet one subscription, or none).
    let first: RadixNode<K> | null = null
    let seen: Set<K> | null = null
    let node: RadixNode<K> | null = this.#root
    let i = 0
    while (node) {
      if (node.count !== 0) {
        if (first === null) {
          first = node
          node.forEachKey(visit)
        } else {
          seen ??= keysOf(first)
          visitNew(node, seen, visit)
        }
      }
      if (i === topic.length) return
      node = step(node, topic, i)
      if (node) i += node.label.length
    }
  }

  /** Whether any key holds a prefix of `topic`. */
  matches(topic: Uint8Array): boolean {
    let node: RadixNode<K> | null = this.#root
    let i = 0
    while (node) {
      if (node.count !== 0) return true
      if (i === topic.length) return false
      node = step(node, topic, i)
      if (node) i += node.label.length
    }
    return false
  }

  /** Whether `key` holds `prefix`. */
  has(prefix: Uint8Array, key: K): boolean {
    return (this.#find(prefix)?.countOf(key) ?? 0) > 0
  }

  /** How many distinct prefixes `key` holds. */
  count(key: K): number {
    return this.#byKey.get(key)?.size ?? 0
  }

  /** How many keys hold exactly `prefix`. */
  holders(prefix: Uint8Array): number {
    return this.#find(prefix)?.holders ?? 0
  }

  /** The prefixes `key` holds, each once (fresh copies). */
  prefixesOf(key: K): Buffer[] {
    return [...(this.#byKey.get(key) ?? [])].map(prefixOf)
  }

  /** The node of exactly `prefix`, or null. */
  #find(prefix: Uint8Array): RadixNode<K> | null {
    let node: RadixNode<K> | null = this.#root
    let i = 0
    while (node && i < prefix.length) {
      node = step(node, prefix, i)
      if (node) i += node.label.length
    }
    return node
  }

  /** The node of exactly `prefix`, made (splitting an edge if needed) when missing. */
  #insert(prefix: Uint8Array): RadixNode<K> {
    let node = this.#root
    let i = 0
    while (i < prefix.length) {
      const child = childAt(node, prefix[i]!)
      if (!child) return adopt(node, new RadixNode(latin1(prefix, i, prefix.length), node))
      const label = child.label
      const end = Math.min(label.length, prefix.length - i)
      let j = 1
      while (j < end && label.charCodeAt(j) === prefix[i + j]) j++
      if (j < label.length) {
        // The prefix leaves (or ends inside) the edge at j: a new node takes the edge's first
        // j bytes, and the old child hangs below it with the rest.
        const mid = new RadixNode<K>(latin1(prefix, i, i + j), node)
        replace(node, child, mid)
        child.label = fresh(label.slice(j))
        child.parent = mid
        mid.children = [child]
        if (i + j === prefix.length) return mid
        return adopt(mid, new RadixNode(latin1(prefix, i + j, prefix.length), mid))
      }
      node = child
      i += j
    }
    return node
  }

  #own(key: K, node: RadixNode<K>): void {
    let own = this.#byKey.get(key)
    if (!own) {
      own = new Set()
      this.#byKey.set(key, own)
    }
    own.add(node)
    this.#size++
  }

  #forget(key: K, node: RadixNode<K>): void {
    const own = this.#byKey.get(key)!
    own.delete(node)
    if (own.size === 0) this.#byKey.delete(key)
  }

  /** Restores the invariant above `node` after it lost keys: drops or merges what is bare. */
  #prune(start: RadixNode<K>): void {
    let node = start
    while (node.parent !== null && node.count === 0) {
      const parent: RadixNode<K> = node.parent
      const children = node.children
      if (children === null) {
        drop(parent, node)
        node = parent
        continue
      }
      const only = single(children)
      if (only !== null) {
        // A bare node with one child: the child takes its place and its edge.
        only.label = fresh(node.label + only.label)
        only.parent = parent
        replace(parent, node, only)
      }
      return
    }
  }
}

function keysOf<K>(node: RadixNode<K>): Set<K> {
  const keys = new Set<K>()
  node.forEachKey((key) => keys.add(key))
  return keys
}

/** Visits the keys of `node` not in `seen`, adding them to it. */
function visitNew<K>(node: RadixNode<K>, seen: Set<K>, visit: (key: K) => void): void {
  node.forEachKey((key) => {
    if (seen.has(key)) return
    seen.add(key)
    visit(key)
  })
}

/** The child of `node` whose edge matches `bytes` from `at` whole, or null. */
function step<K>(node: RadixNode<K>, bytes: Uint8Array, at: number): RadixNode<K> | null {
  const child = childAt(node, bytes[at]!)
  if (!child) return null
  const label = child.label
  if (bytes.length - at < label.length) return null
  for (let j = 1; j < label.length; j++) {
    if (label.charCodeAt(j) !== bytes[at + j]) return null
  }
  return child
}
