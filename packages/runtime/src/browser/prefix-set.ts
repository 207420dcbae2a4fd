import { bytesKey, keyBytes } from "./frames.js"

/**
 * Subscription prefixes, each with a count (ZeroMQ counts them: subscribing twice needs two
 * cancels). A topic is matched by looking up its first n bytes for each distinct prefix length
 * n, so the cost grows with the number of lengths, not of prefixes: enough for the few
 * subscriptions a page holds (the Node side uses a radix trie).
 */
export class PrefixSet {
  readonly #counts = new Map<string, number>()
  /** How many prefixes there are of each length. */
  readonly #lengths = new Map<number, number>()

  get size(): number {
    return this.#counts.size
  }

  has(prefix: Uint8Array): boolean {
    return this.#counts.has(bytesKey(prefix))
  }

  /** Counts the prefix once more; true when it is new. */
  add(prefix: Uint8Array): boolean {
    const key = bytesKey(prefix)
    const count = this.#counts.get(key) ?? 0
    this.#counts.set(key, count + 1)
    if (count > 0) return false
    this.#lengths.set(key.length, (this.#lengths.get(key.length) ?? 0) + 1)
    return true
  }

  /** Counts the prefix once less; true when that was its last count. */
  remove(prefix: Uint8Array): boolean {
    const key = bytesKey(prefix)
    const count = this.#counts.get(key)
    if (count === undefined) return false
    if (count > 1) {
      this.#counts.set(key, count - 1)
      return false
    }
    this.#counts.delete(key)
    const left = this.#lengths.get(key.length)! - 1
    if (left === 0) this.#lengths.delete(key.length)
    else this.#lengths.set(key.length, left)
    return true
  }

  /** Some prefix starts `topic`. */
  matches(topic: Uint8Array): boolean {
    for (const length of this.#lengths.keys()) {
      if (length <= topic.byteLength && this.#counts.has(bytesKey(topic.subarray(0, length)))) {
        return true
      }
    }
    return false
  }

  /** Every prefix, once each. */
  prefixes(): Uint8Array[] {
    return [...this.#counts.keys()].map(keyBytes)
  }
}

/** A subscription message: one frame, 0x01|topic or 0x00|topic. */
export function isSubscription(frames: readonly Uint8Array[]): boolean {
  return frames.length === 1 && frames[0]!.byteLength > 0 && frames[0]![0]! <= 1
}

/** The subscription message for `topic`. */
export function subscriptionMessage(topic: Uint8Array, subscribe: boolean): Uint8Array {
  const frame = new Uint8Array(1 + topic.byteLength)
  frame[0] = subscribe ? 1 : 0
  frame.set(topic, 1)
  return frame
}
