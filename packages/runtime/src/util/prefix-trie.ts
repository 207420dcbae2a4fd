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
 * A label is a latin1 string (one char per byte): V8 keeps it as one flat block of bytes behind
 * a 16-byte header, on the heap, and frees it with its node. Labels are always made fresh from
 * bytes, never sliced from a topic buffer (which would keep a network chunk alive) or from
 * another label (V8 would keep the longer string alive behind a slice), at the price of copying
 * the rest of a label when an edge splits or merges.
 *
 * Each key keeps a Set of the nodes where it holds a prefix, so removeKey (a peer left) costs
 * that key's own subscriptions, not a walk of the trie. All told, one peer's random 200-byte
 * subscription costs ~360 bytes of heap (bench/subscription-memory.js).
 */

/** Children beyond this many are found through a Map by first byte instead of a scan. */
const MAP_ABOVE = 16
/** A Map of children this small goes back to an array. */
const ARRAY_AT = 8

type Children<K> = RadixNode<K>[] | Map<number, RadixNode<K>>

class RadixNode<K> {
  /** The bytes of the edge into this node, as latin1; "" only at the root. */
  label: string
  parent: RadixNode<K> | null
  /** Sorted by first byte while few, then a Map by first byte; null when none. */
  children: Children<K> | null = null
  /**
   * Who holds exactly this node's prefix, by `count`: 0 nobody; n > 0 the one key in `keys`, n
   * times; -1 several keys, `keys` a Map of each to its count. (One field for both shapes: the
   * common single key costs no Map, and no node pays for a second field.)
   */
  count = 0
  keys: K | Map<K, number> | undefined = undefined

  constructor(label: string, parent: RadixNode<K> | null) {
    this.label = label
    this.parent = parent
  }

  countOf(key: K): number {
    if (this.count > 0) return this.keys === key ? this.count : 0
    if (this.count < 0) return (this.keys as Map<K, number>).get(key) ?? 0
    return 0
  }

  /** Adds one subscription of `key` here; returns its new count. */
  increment(key: K): number {
    if (this.count === 0) {
      this.keys = key
      this.count = 1
      return 1
    }
    if (this.count > 0) {
      if (this.keys === key) return ++this.count
      this.keys = new Map([
        [this.keys as K, this.count],
        [key, 1],
      ])
      this.count = -1
      return 1
    }
    const map = this.keys as Map<K, number>
    const count = (map.get(key) ?? 0) + 1
    map.set(key, count)
    return count
  }

  /** Takes `by` subscriptions of `key` (all of them when by is Infinity); returns what is left. */
  decrement(key: K, by: number): number {
    if (this.count > 0) {
      if (this.keys !== key) return 0
      if (this.count > by) return (this.count -= by)
      this.keys = undefined
      this.count = 0
      return 0
    }
    if (this.count === 0) return 0
    const map = this.keys as Map<K, number>
    const count = map.get(key)
    if (count === undefined) return 0
    if (count > by) {
      map.set(key, count - by)
      return count - by
    }
    map.delete(key)
    if (map.size === 1) {
      // Back to the single-key shape.
      const [last, n] = map.entries().next().value!
      this.keys = last
      this.count = n
    }
    return 0
  }

  /** Calls `visit` for each key here. */
  forEachKey(visit: (key: K) => void): void {
    if (this.count > 0) visit(this.keys as K)
    else if (this.count < 0) for (const key of (this.keys as Map<K, number>).keys()) visit(key)
  }

  /** How many keys hold exactly this prefix. */
  get holders(): number {
    if (this.count < 0) return (this.keys as Map<K, number>).size
    return this.count > 0 ? 1 : 0
  }
}

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

function childAt<K>(node: RadixNode<K>, byte: number): RadixNode<K> | null {
  const children = node.children
  if (children === null) return null
  if (!Array.isArray(children)) return children.get(byte) ?? null
  for (const child of children) {
    const first = child.label.charCodeAt(0)
    if (first === byte) return child
    if (first > byte) return null
  }
  return null
}

/** Adds `child` below `node` (no child there starts with its byte); returns it. */
function adopt<K>(node: RadixNode<K>, child: RadixNode<K>): RadixNode<K> {
  const byte = child.label.charCodeAt(0)
  const children = node.children
  if (children === null) node.children = [child]
  else if (!Array.isArray(children)) children.set(byte, child)
  else if (children.length < MAP_ABOVE) {
    let at = 0
    while (at < children.length && children[at]!.label.charCodeAt(0) < byte) at++
    // A new array of the exact size: a grown one would keep spare slots in every node.
    node.children = children.toSpliced(at, 0, child)
  } else {
    const map = new Map<number, RadixNode<K>>()
    for (const c of children) map.set(c.label.charCodeAt(0), c)
    map.set(byte, child)
    node.children = map
  }
  return child
}

/** Puts `next` where `old` was below `node` (both start with the same byte). */
function replace<K>(node: RadixNode<K>, old: RadixNode<K>, next: RadixNode<K>): void {
  const children = node.children!
  if (Array.isArray(children)) children[children.indexOf(old)] = next
  else children.set(next.label.charCodeAt(0), next)
}

/** Detaches `child` from `node`. */
function drop<K>(node: RadixNode<K>, child: RadixNode<K>): void {
  const children = node.children!
  if (Array.isArray(children)) {
    node.children = children.length === 1 ? null : children.toSpliced(children.indexOf(child), 1)
    return
  }
  children.delete(child.label.charCodeAt(0))
  if (children.size <= ARRAY_AT) {
    node.children = [...children.values()].sort(
      (a, b) => a.label.charCodeAt(0) - b.label.charCodeAt(0),
    )
  }
}

/** The only child, or null when there are more. */
function single<K>(children: Children<K>): RadixNode<K> | null {
  if (Array.isArray(children)) return children.length === 1 ? children[0]! : null
  return children.size === 1 ? children.values().next().value! : null
}

/** The whole prefix of `node`, from its labels up to the root. */
function prefixOf<K>(node: RadixNode<K>): Buffer {
  let length = 0
  for (let n: RadixNode<K> | null = node; n; n = n.parent) length += n.label.length
  const bytes = Buffer.allocUnsafe(length)
  for (let n: RadixNode<K> | null = node; n; n = n.parent) {
    length -= n.label.length
    bytes.write(n.label, length, "latin1")
  }
  return bytes
}

/** Bytes [start, end) as a new flat latin1 string. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("latin1")
}

/** A flat copy of a string made by slicing or joining labels, which V8 would keep as views. */
function fresh(s: string): string {
  return Buffer.from(s, "latin1").toString("latin1")
}
