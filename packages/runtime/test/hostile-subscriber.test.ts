// Issue 9, hostile peers: a SUB that sends 200,000 subscriptions of 200 bytes (42 MB on the
// wire) once made the PUB die of a 4 GB heap. The PUB (a child process, so its heap is its own)
// must stay alive, keep serving a well-behaved SUB, grow its heap by less than 3× the bytes
// sent, and give the memory back when the flooder leaves. Run with the default per-peer limit
// (half the flood ignored) and with no limit (the trie holds all of it).
import { strict as assert } from "node:assert"
import { randomFillSync } from "node:crypto"
import { describe, it } from "node:test"
import { Context, Publisher, Subscriber, XPublisher, ZmqError } from "omq"
import { run } from "./helpers/child.js"
import { connectRaw, greeting, ready, subscribe } from "./helpers/raw-peer.js"

const FLOOD = 200_000
const SIZE = 200
const DEFAULT_LIMIT = 100_000

/** greeting + READY SUB + FLOOD SUBSCRIBE commands of random SIZE-byte topics, in one buffer. */
function flood(): Buffer {
  const head = Buffer.concat([greeting(), ready("SUB")])
  const command = subscribe(Buffer.alloc(SIZE))
  const header = command.subarray(0, command.length - SIZE) // frame header and command name
  const wire = randomFillSync(Buffer.allocUnsafe(head.length + FLOOD * command.length))
  head.copy(wire)
  for (let i = 0, at = head.length; i < FLOOD; i++, at += command.length) header.copy(wire, at)
  return wire
}

const field = (line: string, name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(line)![1])

const CASES = [
  { ioThreads: 1, limit: "default", held: DEFAULT_LIMIT, ignored: FLOOD - DEFAULT_LIMIT },
  { ioThreads: 0, limit: "-1", held: FLOOD, ignored: 0 },
]

describe("a PUB flooded with subscriptions by a hostile SUB", () => {
  const wire = flood()

  for (const c of CASES) {
    it(`stays up and keeps serving (ioThreads ${c.ioThreads}, maxSubscriptions ${c.limit})`, async () => {
      const pub = run(
        "hostile-subscriptions",
        [`${c.ioThreads}`, c.limit, `${FLOOD + 1}`],
        60_000,
        ["--expose-gc"],
      )
      const endpoint = (await pub.line(/^endpoint /)).split(" ")[1]!

      const ctx = new Context({ ioThreads: 0 })
      const good = new Subscriber({ context: ctx, linger: 0 })
      good.connect(endpoint)
      good.subscribe("news")
      let received = 0
      const reading = (async () => {
        for (;;) {
          const [frame] = await good.receive()
          if (!frame!.toString().startsWith("news ")) throw new Error(`got ${frame}`)
          received++
        }
      })().catch(() => {}) // ends when the socket closes
      await waitFor(() => received > 0, "the good SUB's first message")

      const hostile = await connectRaw(endpoint)
      await new Promise<void>((resolve, reject) =>
        hostile.write(wire, (err) => (err ? reject(err) : resolve())),
      )
      const flooded = await pub.line(/^flooded /)
      const after = received
      await waitFor(() => received >= after + 5, "messages after the flood")

      hostile.destroy()
      const released = await pub.line(/^released /)
      good.close()
      await reading
      await ctx.closeSocketsAndTerminate()
      const outcome = await pub.exit()
      assert.equal(outcome.code, 0, outcome.stderr)

      assert.equal(field(flooded, "held"), c.held + 1, "the flooder's and the good SUB's")
      assert.equal(field(flooded, "ignored"), c.ignored)
      const grown = field(flooded, "heap")
      assert.ok(
        grown < 3 * wire.length,
        `heap grew ${(grown / 1e6).toFixed(1)} MB for ${(wire.length / 1e6).toFixed(1)} MB sent`,
      )
      assert.ok(field(released, "heap") < wire.length / 10, `left: ${released}`)
    })
  }
})

describe("maxSubscriptions", () => {
  it("ignores a peer's new subscriptions beyond it, counts them, and a cancel makes room", async () => {
    const ctx = new Context({ ioThreads: 0 })
    const pub = new Publisher({ context: ctx, linger: 0, maxSubscriptions: 2 })
    assert.equal(new Publisher({ context: ctx }).maxSubscriptions, DEFAULT_LIMIT)
    assert.throws(
      () => {
        pub.maxSubscriptions = 1.5
      },
      (err: unknown) => err instanceof ZmqError && err.code === "EINVAL",
    )
    await pub.bind("tcp://127.0.0.1:*")
    const sub = new Subscriber({ context: ctx, linger: 0 })
    sub.connect(pub.lastEndpoint!)
    // "a" twice: the PUB keeps a set, so the second is no new one; "c" is the third.
    sub.subscribe("a", "b", "a", "c")
    await waitFor(() => pub.ignoredSubscriptions === 1, "the ignored subscription")
    await pub.send("c: not subscribed")
    await pub.send("b: subscribed")
    assert.equal(String((await sub.receive())[0]), "b: subscribed")

    sub.unsubscribe("b")
    sub.subscribe("d")
    sub.receiveTimeout = 20
    await waitFor(async () => {
      await pub.send("d: now subscribed")
      return sub.receive().then(
        ([frame]) => String(frame) === "d: now subscribed",
        () => false,
      )
    }, "the subscription made after a cancel")
    assert.equal(pub.ignoredSubscriptions, 1)
    sub.close()
    pub.close()
    await ctx.closeSocketsAndTerminate()
  })

  it("an XPUB does not deliver the subscriptions it ignored", async () => {
    const ctx = new Context({ ioThreads: 0 })
    const xpub = new XPublisher({ context: ctx, linger: 0, maxSubscriptions: 1 })
    await xpub.bind("tcp://127.0.0.1:*")
    const sub = new Subscriber({ context: ctx, linger: 0 })
    sub.connect(xpub.lastEndpoint!)
    sub.subscribe("a", "b")
    assert.deepEqual([...(await xpub.receive())[0]!], [1, 0x61])
    await waitFor(() => xpub.ignoredSubscriptions === 1, "the ignored subscription")
    xpub.receiveTimeout = 100
    await assert.rejects(xpub.receive(), (err: unknown) => (err as ZmqError).code === "EAGAIN")
    sub.close()
    xpub.close()
    await ctx.closeSocketsAndTerminate()
  })
})

async function waitFor(
  done: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
