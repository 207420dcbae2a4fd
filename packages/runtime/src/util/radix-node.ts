/**
 * The node of PrefixTrie's radix trie (see prefix-trie.ts): the edge label into it, its children,
 * and the keys that hold exactly its prefix with their counts, plus the helpers that change those
 * shapes in place. The walks over nodes (find, insert, match, prune) are the trie's.
 *
 * A label is a latin1 string (one char per byte): V8 keeps it as one flat block of bytes behind
 * a 16-byte header, on the heap, and frees it with its node. Labels are always made fresh from
 * bytes, never sliced from a topic buffer (which would keep a network chunk alive) or from
 * another label (V8 would keep the longer string alive behind a slice), at the price of copying
 * the rest of a label when an edge splits or merges.
 *
 * Owned by whichever thread owns the trie (a socket's, for PUB/XPUB/XSUB); nothing here is shared.
 */

/** Children beyond this many are found through a Map by first byte instead of a scan. */
const MAP_ABOVE = 16
/** A Map of children this small goes back to an array. */
const ARRAY_AT = 8

type Children<K> = RadixNode<K>[] | Map<number, RadixNode<K>>

/** One node: the edge into it, its children, and who holds exactly its prefix. */
export class RadixNode<K> {
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

export function childAt<K>(node: RadixNode<K>, byte: number): RadixNode<K> | null {
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
export function adopt<K>(node: RadixNode<K>, child: RadixNode<K>): RadixNode<K> {
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
export function replace<K>(node: RadixNode<K>, old: RadixNode<K>, next: RadixNode<K>): void {
  const children = node.children!
  if (Array.isArray(children)) children[children.indexOf(old)] = next
  else children.set(next.label.charCodeAt(0), next)
}

/** Detaches `child` from `node`. */
export function drop<K>(node: RadixNode<K>, child: RadixNode<K>): void {
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
export function single<K>(children: Children<K>): RadixNode<K> | null {
  if (Array.isArray(children)) return children.length === 1 ? children[0]! : null
  return children.size === 1 ? children.values().next().value! : null
}

/** The whole prefix of `node`, from its labels up to the root. */
export function prefixOf<K>(node: RadixNode<K>): Buffer {
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
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("latin1")
}

/** A flat copy of a string made by slicing or joining labels, which V8 would keep as views. */
export function fresh(s: string): string {
  return Buffer.from(s, "latin1").toString("latin1")
}
