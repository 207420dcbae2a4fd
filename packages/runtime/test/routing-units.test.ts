// The routing building blocks on their own, where order is deterministic: fair queueing
// (libzmq's fq_t, test_spec_*_fair_queue_in), load balancing (lb_t, *_round_robin_out), and the
// subscription trie.
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { FairQueue } from "../src/socket/fair-queue.js"
import { LoadBalancer } from "../src/socket/load-balancer.js"
import { Peer } from "../src/socket/peer.js"
import type { PipeLink } from "../src/socket/pipe.js"
import { PrefixTrie } from "../src/util/prefix-trie.js"

/** These units never write to a pipe. */
const NO_LINK: PipeLink = {
  blocked: false,
  message() {},
  credit() {},
  subscription() {},
  drop() {},
}
const peers = (n: number): Peer[] =>
  Array.from({ length: n }, (_, i) => new Peer(i + 1, "tcp://x", NO_LINK))
const msg = (s: string): Buffer[] => [Buffer.from(s)]

describe("FairQueue", () => {
  it("takes one message from each ready peer in turn, keeping each peer's order", () => {
    const fq = new FairQueue()
    const [a, b, c] = peers(3)
    for (const m of ["a1", "a2", "a3"]) fq.push(a!, msg(m))
    for (const m of ["b1", "b2"]) fq.push(b!, msg(m))
    fq.push(c!, msg("c1"))
    const order: string[] = []
    for (let next = fq.pop(); next; next = fq.pop()) order.push(String(next[1][0]))
    assert.deepEqual(order, ["a1", "b1", "c1", "a2", "b2", "a3"])
    assert.equal(fq.pop(), null)
  })

  it("skips a peer whose messages were dropped while it waited its turn", () => {
    const fq = new FairQueue()
    const [a, b] = peers(2)
    fq.push(a!, msg("a1"))
    fq.push(b!, msg("b1"))
    fq.push(b!, msg("b2"))
    a!.inbound.drain() // as disconnect() does
    assert.equal(String(fq.pop()?.[1][0]), "b1")
    assert.equal(String(fq.pop()?.[1][0]), "b2")
    assert.equal(fq.pop(), null)
  })

  it("clear() drops everything and reports one peer per dropped message", () => {
    const fq = new FairQueue()
    const [a, b] = peers(2)
    fq.push(a!, msg("1"))
    fq.push(a!, msg("2"))
    fq.push(b!, msg("3"))
    assert.deepEqual(
      fq.clear().map((p) => p.id),
      [1, 1, 2],
    )
    assert.equal(fq.pop(), null)
  })
})

describe("LoadBalancer", () => {
  it("round-robins in attach order, skipping peers at their high-water mark", () => {
    const lb = new LoadBalancer()
    const [a, b, c] = peers(3)
    for (const p of [a!, b!, c!]) {
      p.sendLimit = 2
      lb.add(p)
    }
    assert.deepEqual(
      [lb.pick(), lb.pick(), lb.pick(), lb.pick()].map((p) => p?.id),
      [1, 2, 3, 1],
    )
    b!.outstanding = 2 // full
    assert.deepEqual(
      [lb.pick(), lb.pick(), lb.pick()].map((p) => p?.id),
      [3, 1, 3],
    )
    a!.outstanding = 2
    c!.outstanding = 2
    assert.equal(lb.pick(), null, "everyone full: the sender must wait")
    lb.remove(a!)
    b!.outstanding = 0
    assert.equal(lb.pick()?.id, 2)
  })
})

describe("PrefixTrie", () => {
  it("matches every key holding a prefix of the topic, each once", () => {
    const trie = new PrefixTrie<string>()
    trie.add(Buffer.from(""), "all")
    trie.add(Buffer.from("we"), "w")
    trie.add(Buffer.from("weather"), "w")
    trie.add(Buffer.from("sport"), "s")
    const hits: string[] = []
    trie.match(Buffer.from("weather.paris"), (k) => hits.push(k))
    assert.deepEqual(hits.sort(), ["all", "w"])
    assert.equal(trie.matches(Buffer.from("x")), true)
    trie.remove(Buffer.from(""), "all")
    assert.equal(trie.matches(Buffer.from("x")), false)
  })

  it("counts subscriptions, and removeKey drops all of a key's", () => {
    const trie = new PrefixTrie<number>()
    assert.equal(trie.add(Buffer.from("a"), 1), true)
    assert.equal(trie.add(Buffer.from("a"), 1), false)
    assert.equal(trie.remove(Buffer.from("a"), 1), false, "one left")
    assert.equal(trie.remove(Buffer.from("a"), 1), true, "the last")
    trie.add(Buffer.from("x"), 2)
    trie.add(Buffer.from("y"), 2)
    assert.deepEqual(trie.prefixesOf(2).map(String).sort(), ["x", "y"])
    assert.equal(trie.removeKey(2), 2)
    assert.equal(trie.matches(Buffer.from("xy")), false)
  })

  it("stays cheap with 10,000 subscriptions", () => {
    const trie = new PrefixTrie<number>()
    for (let i = 0; i < 10_000; i++) trie.add(Buffer.from(`topic.${i}.`), i)
    const hits: number[] = []
    trie.match(Buffer.from("topic.4242.data"), (k) => hits.push(k))
    assert.deepEqual(hits, [4242])
  })
})
