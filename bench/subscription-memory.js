// The subscription trie a PUB keeps (PrefixTrie): its memory and its match speed.
//
//   node bench/subscription-memory.js [--counts 1000,10000,200000] [--runs 5]
//        [--rows memory,match] [--hostile 100000] [--trie path/to/prefix-trie.js]
//
// memory: one peer (a hostile SUB) holds N random 200-byte subscriptions; the heap after gc
//   (heapUsed + arrayBuffers, in a child with --expose-gc; one child per N) per subscription and
//   as a multiple of the subscription bytes. A child that runs out of its 4 GB heap shows "OOM".
// match: match() of 64 B topics against 1 subscription (the empty prefix), 1,000 and 100,000
//   topic-like ones ("sym.<id>." from 10 peers; every topic hits one), and 100,000 random 200 B
//   ones from a hostile peer (no topic hits; --hostile sets how many). Median of --runs timings
//   of ~200 ms each.
//
// --trie loads another build of the module to compare, e.g. the per-byte trie that was replaced
// (git show 92fba56:packages/runtime/src/util/prefix-trie.ts, compiled): it needs ~45 KB per
// 200 B subscription, so give it --counts 1000,10000 --hostile 2000.

import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { childWith, message } from "./child-processes.js"

const { values } = parseArgs({
  options: {
    role: { type: "string" },
    count: { type: "string" },
    counts: { type: "string", default: "1000,10000,200000" },
    runs: { type: "string", default: "5" },
    trie: { type: "string" },
    rows: { type: "string", default: "memory,match" },
    hostile: { type: "string", default: "100000" },
  },
})

const SIZE = 200

async function loadTrie() {
  if (!values.trie) return (await import("omq/internal")).PrefixTrie
  return (await import(pathToFileURL(values.trie).href)).PrefixTrie
}

/** A small deterministic PRNG (mulberry32), so every run holds the same subscriptions. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomBytes(next, bytes) {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (next() * 256) | 0
  return bytes
}

function heap() {
  for (let i = 0; i < 3; i++) globalThis.gc()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

/** Child role: N random 200 B subscriptions of one peer; reports the heap they cost. */
async function memoryChild(count) {
  const PrefixTrie = await loadTrie()
  const next = random(42)
  // Each subscription a fresh buffer, as it would arrive, dropped after add().
  const before = heap()
  let trie = new PrefixTrie()
  const peer = { id: 1 }
  const t0 = performance.now()
  for (let i = 0; i < count; i++) trie.add(randomBytes(next, Buffer.allocUnsafe(SIZE)), peer)
  const addMs = performance.now() - t0
  const bytes = heap() - before
  const t1 = performance.now()
  trie.removeKey(peer)
  const removeMs = performance.now() - t1
  const left = heap() - before
  trie = null
  process.send({ bytes, left, addMs, removeMs })
}

async function memoryRow(count) {
  const args = ["--role", "memory", "--count", `${count}`]
  if (values.trie) args.push("--trie", values.trie)
  const proc = childWith(import.meta.url, args, {
    nodeFlags: ["--expose-gc", "--max-old-space-size=4096"],
  })
  const wire = count * SIZE
  try {
    const r = await message(proc, (m) => m.bytes !== undefined)
    return {
      subscriptions: count,
      "MB held (200 B each)": (wire / 1e6).toFixed(1),
      "heap MB": (r.bytes / 1e6).toFixed(1),
      "B / subscription": Math.round(r.bytes / count),
      "× bytes": (r.bytes / wire).toFixed(2),
      "add µs each": ((r.addMs * 1000) / count).toFixed(2),
      "removeKey ms": r.removeMs.toFixed(1),
      "heap MB after removeKey": (r.left / 1e6).toFixed(1),
    }
  } catch {
    return {
      subscriptions: count,
      "MB held (200 B each)": (wire / 1e6).toFixed(1),
      "heap MB": "OOM",
    }
  }
}

/** Times matches of `topics` (cycled) for ~200 ms; returns ns per match, median of runs. */
function timeMatches(trie, topics) {
  let hits = 0
  const visit = () => hits++
  const once = (n) => {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) trie.match(topics[i & (topics.length - 1)], visit)
    return Number(process.hrtime.bigint() - t0) / n
  }
  let n = 1000
  while (once(n) * n < 50e6) n *= 2 // warm up, and find n for ~50 ms
  n *= 4
  const samples = Array.from({ length: Number(values.runs) }, () => once(n)).sort((a, b) => a - b)
  if (hits === 0 && topics.hit) throw new Error("no topic matched")
  return samples[Math.floor(samples.length / 2)]
}

async function matchRows() {
  const PrefixTrie = await loadTrie()
  const next = random(7)
  const peers = Array.from({ length: 10 }, (_, id) => ({ id }))
  const pad = (head) => Buffer.concat([Buffer.from(head), Buffer.alloc(64 - head.length, 0x78)])
  const symbol = (i) => `sym.${i.toString(36).padStart(4, "0")}.`
  const cases = []

  const one = new PrefixTrie()
  one.add(Buffer.alloc(0), peers[0])
  cases.push(["1 (empty prefix)", one, true])
  for (const count of [1000, 100_000]) {
    const trie = new PrefixTrie()
    for (let i = 0; i < count; i++) trie.add(Buffer.from(symbol(i)), peers[i % 10])
    cases.push([`${count.toLocaleString("en")} topic-like`, trie, true, count])
  }
  const hostile = new PrefixTrie()
  const many = Number(values.hostile)
  for (let i = 0; i < many; i++) hostile.add(randomBytes(next, Buffer.alloc(SIZE)), peers[0])
  cases.push([`${many.toLocaleString("en")} random 200 B`, hostile, false])

  return cases.map(([name, trie, hit, count = 1]) => {
    const topics = Array.from({ length: 1024 }, () =>
      hit
        ? pad(count === 1 ? "any" : symbol((next() * count) | 0))
        : randomBytes(next, Buffer.alloc(64)),
    )
    topics.hit = hit
    const ns = timeMatches(trie, topics)
    return {
      subscriptions: name,
      "ns / match": ns.toFixed(0),
      "matches/s": `${(1e3 / ns).toFixed(2)} M`,
    }
  })
}

async function main() {
  if (values.role === "memory") return memoryChild(Number(values.count))
  const rows = values.rows.split(",")
  const which = values.trie ? `trie from ${values.trie}` : "omq's PrefixTrie"
  if (rows.includes("memory")) {
    const table = []
    for (const count of values.counts.split(",").map(Number)) table.push(await memoryRow(count))
    console.log(`${which}: one peer's random 200 B subscriptions, heap after gc`)
    console.table(table)
  }
  if (rows.includes("match")) {
    console.log(`${which}: match() of a 64 B topic, median of ${values.runs} runs`)
    console.table(await matchRows())
  }
}

await main()
