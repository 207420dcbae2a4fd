// The radix PrefixTrie against a naive model (a list of (prefix, key, count)) under random
// add / remove / removeKey / match sequences, with fast-check (fixed seeds, so a failure
// reproduces). The byte alphabets make prefixes of each other, the empty prefix, 0x00 and 0xff
// common, and long shared runs exercise edge splits and merges.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import fc from "fast-check"
import { PrefixTrie } from "../src/util/prefix-trie.js"

type Op =
  | { op: "add"; prefix: number[]; key: number }
  | { op: "addOnce"; prefix: number[]; key: number }
  | { op: "remove"; prefix: number[]; key: number }
  | { op: "removeKey"; key: number }
  | { op: "match"; topic: number[] }

interface Held {
  prefix: string
  key: number
  count: number
}

/** The model: every (prefix, key) held, with its count; prefixes as hex. */
class Model {
  readonly held: Held[] = []

  #find(prefix: string, key: number): Held | undefined {
    return this.held.find((h) => h.prefix === prefix && h.key === key)
  }

  add(prefix: string, key: number): boolean {
    const h = this.#find(prefix, key)
    if (h) h.count++
    else this.held.push({ prefix, key, count: 1 })
    return !h
  }

  addOnce(prefix: string, key: number): boolean {
    return this.#find(prefix, key) ? false : this.add(prefix, key)
  }

  remove(prefix: string, key: number): boolean {
    const h = this.#find(prefix, key)
    if (!h) return false
    if (--h.count > 0) return false
    this.held.splice(this.held.indexOf(h), 1)
    return true
  }

  removeKey(key: number): number {
    const before = this.held.length
    for (let i = this.held.length - 1; i >= 0; i--) {
      if (this.held[i]!.key === key) this.held.splice(i, 1)
    }
    return before - this.held.length
  }

  match(topic: string): number[] {
    const keys = this.held.filter((h) => topic.startsWith(h.prefix)).map((h) => h.key)
    return [...new Set(keys)].sort()
  }

  prefixesOf(key: number): string[] {
    return this.held
      .filter((h) => h.key === key)
      .map((h) => h.prefix)
      .sort()
  }

  holders(prefix: string): number {
    return this.held.filter((h) => h.prefix === prefix).length
  }
}

const KEYS = [1, 2, 3]
const hex = (bytes: Uint8Array | number[]) => Buffer.from(bytes).toString("hex")

/** Bytes in a view at an offset into a larger buffer, as they arrive from the network. */
function view(bytes: number[]): Uint8Array {
  const chunk = Buffer.alloc(bytes.length + 8, 0xaa)
  chunk.set(bytes, 3)
  return chunk.subarray(3, 3 + bytes.length)
}

function check(trie: PrefixTrie<number>, model: Model, op: Op): void {
  switch (op.op) {
    case "add": {
      const bytes = view(op.prefix)
      assert.equal(trie.add(bytes, op.key), model.add(hex(op.prefix), op.key), "add")
      bytes.fill(0x55) // the trie holds its own copy
      break
    }
    case "addOnce":
      assert.equal(
        trie.addOnce(view(op.prefix), op.key),
        model.addOnce(hex(op.prefix), op.key),
        "addOnce",
      )
      break
    case "remove":
      assert.equal(
        trie.remove(view(op.prefix), op.key),
        model.remove(hex(op.prefix), op.key),
        "remove",
      )
      break
    case "removeKey":
      assert.equal(trie.removeKey(op.key), model.removeKey(op.key), "removeKey")
      break
    case "match": {
      const seen: number[] = []
      trie.match(view(op.topic), (key) => seen.push(key))
      assert.deepEqual([...seen].sort(), [...new Set(seen)].sort(), "each key visited once")
      const expected = model.match(hex(op.topic))
      assert.deepEqual(seen.sort(), expected, `match ${hex(op.topic)}`)
      assert.equal(trie.matches(view(op.topic)), expected.length > 0, "matches")
      break
    }
  }
}

/** Everything the trie answers, checked against the model after a sequence. */
function checkAll(trie: PrefixTrie<number>, model: Model): void {
  assert.equal(trie.size, model.held.length, "size")
  for (const key of KEYS) {
    assert.deepEqual(trie.prefixesOf(key).map(hex).sort(), model.prefixesOf(key), "prefixesOf")
    assert.equal(trie.count(key), model.prefixesOf(key).length, "count")
  }
  for (const h of model.held) {
    const bytes = Buffer.from(h.prefix, "hex")
    assert.equal(trie.has(bytes, h.key), true, "has")
    assert.equal(trie.holders(bytes), model.holders(h.prefix), "holders")
    for (let cut = 0; cut <= bytes.length; cut++) {
      const part = bytes.subarray(0, cut)
      const seen: number[] = []
      trie.match(part, (key) => seen.push(key))
      assert.deepEqual(seen.sort(), model.match(hex(part)), `match ${hex(part)}`)
    }
  }
}

function operations(bytes: fc.Arbitrary<number[]>, length: number): fc.Arbitrary<Op[]> {
  const key = fc.constantFrom(...KEYS)
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant("add" as const), prefix: bytes, key }) },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant("addOnce" as const), prefix: bytes, key }),
    },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("remove" as const), prefix: bytes, key }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("removeKey" as const), key }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("match" as const), topic: bytes }) },
  )
  return fc.array(op, { maxLength: length })
}

function agrees(ops: Op[]): void {
  const trie = new PrefixTrie<number>()
  const model = new Model()
  for (const op of ops) check(trie, model, op)
  checkAll(trie, model)
  for (const key of KEYS) trie.removeKey(key)
  assert.equal(trie.size, 0)
  assert.equal(trie.matches(Buffer.alloc(0)), false, "empty again")
}

/** Few distinct bytes, short: prefixes of each other all the time, and the empty prefix. */
const narrow = fc.array(fc.constantFrom(0x00, 0x01, 0x61, 0x80, 0xfe, 0xff), { maxLength: 5 })

/** Cuts of two long runs with a short tail: labels long enough that V8 would slice them. */
const LONG = [
  [...Buffer.from("weather.europe.paris.")],
  [0xff, 0xff, ...Buffer.alloc(24, 0x00), 0xff],
]
const long = fc
  .tuple(fc.constantFrom(...LONG), fc.nat(28), narrow)
  .map(([run, cut, tail]) => [...run.slice(0, cut), ...tail])

/** Any byte, one or two of them: wide fan-out, so children go from an array to a Map and back. */
const wide = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 0, maxLength: 2 })

describe("PrefixTrie agrees with a naive model", () => {
  it("on short prefixes over a few bytes (0x00, 0xff, the empty prefix)", () => {
    fc.assert(fc.property(operations(narrow, 60), agrees), { seed: 1001, numRuns: 400 })
  })

  it("on long shared runs (edge splits and merges)", () => {
    fc.assert(fc.property(operations(fc.oneof(long, narrow), 60), agrees), {
      seed: 1002,
      numRuns: 400,
    })
  })

  it("on wide fan-out (children as a Map, and back)", () => {
    fc.assert(fc.property(operations(wide, 300), agrees), { seed: 1003, numRuns: 60 })
  })
})

describe("PrefixTrie", () => {
  it("keeps none of the buffers it was given", () => {
    const trie = new PrefixTrie<string>()
    const chunk = Buffer.from("xxtopic.alpha.beta.gammaxx")
    trie.add(chunk.subarray(2, 24), "a")
    trie.add(chunk.subarray(2, 12), "b") // splits the first edge
    chunk.fill(0)
    const hits: string[] = []
    trie.match(Buffer.from("topic.alpha.beta.gamma!"), (k) => hits.push(k))
    assert.deepEqual(hits.sort(), ["a", "b"])
    assert.deepEqual(trie.prefixesOf("a").map(String), ["topic.alpha.beta.gamma"])
  })

  it("removeKey costs the key's own subscriptions, not the trie's", () => {
    const trie = new PrefixTrie<number>()
    for (let i = 0; i < 100_000; i++) trie.add(Buffer.from(`crowd.${i}`), 1)
    for (let round = 0; round < 1000; round++) {
      trie.add(Buffer.from(`visitor.${round}`), 2)
      assert.equal(trie.removeKey(2), 1)
    }
    const started = performance.now()
    for (let round = 0; round < 1000; round++) {
      trie.add(Buffer.from(`visitor.${round}`), 2)
      trie.removeKey(2)
    }
    // A walk of the 100,000-prefix trie per call would take seconds.
    assert.ok(performance.now() - started < 500, "1,000 joins and leaves beside 100,000 prefixes")
    assert.equal(trie.size, 100_000)
  })
})
