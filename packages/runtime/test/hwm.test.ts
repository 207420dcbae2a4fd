// High-water marks and PUSH routing: a PUSH blocks (never drops) when its peer stops reading,
// round-robins over its peers, and waits for a peer when it has none.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { Context, Push, ZmqError } from "omq"
import { classesFor } from "./helpers/remote-socket.js"
import { bindAddress, TRANSPORTS, unboundAddress } from "./helpers/spec.js"

const isEagain = (err: unknown) => err instanceof ZmqError && err.code === "EAGAIN"
const BOUND = { timeout: 30_000 }

for (const transport of TRANSPORTS)
  for (const ioThreads of [0, 1]) {
    describe(`high-water marks over ${transport} (ioThreads ${ioThreads})`, () => {
      // The PULLs live on other threads over inproc-threads, so every pipe crosses threads.
      const lib = classesFor(transport, 2)
      it(
        "a PUSH whose peer does not read blocks at the HWM, then delivers everything in order",
        BOUND,
        async () => {
          const ctx = new Context({ ioThreads })
          const pull = new lib.Pull({ context: ctx, receiveHighWaterMark: 10, linger: 0 })
          const push = new Push({ context: ctx, sendHighWaterMark: 10, linger: 0 })
          try {
            await pull.bind(bindAddress(transport))
            push.connect(pull.lastEndpoint!)
            push.sendTimeout = 200
            const body = Buffer.alloc(16 * 1024, 0x61)
            const CAP = 20_000 // ~320 MB: far beyond any socket buffer if nothing blocks
            let accepted = 0
            let blocked = false
            while (accepted < CAP) {
              try {
                await push.send([String(accepted), body])
                accepted++
              } catch (err) {
                assert.ok(isEagain(err), `send failed with ${String(err)}`)
                blocked = true
                break
              }
            }
            assert.ok(blocked, `send never blocked: ${accepted} messages accepted`)
            assert.ok(accepted >= 10, `blocked after only ${accepted} messages`)
            // Still blocked: a second attempt times out too.
            await assert.rejects(push.send(["extra", body]), isEagain)

            // The reader wakes up: everything accepted arrives, in order, nothing more.
            pull.receiveTimeout = 5000
            for (let i = 0; i < accepted; i++) {
              const [n, b] = await pull.receive()
              assert.equal(n?.toString(), String(i), "message lost or reordered")
              assert.equal(b?.length, body.length)
            }
            // Once there is room again sends go through and the timed-out ones never show up.
            push.sendTimeout = 2000
            await push.send("after")
            assert.deepEqual(
              (await pull.receive()).map((f) => f.toString()),
              ["after"],
            )
            pull.receiveTimeout = 150
            await assert.rejects(pull.receive(), isEagain)
          } finally {
            push.close()
            pull.close()
            await ctx.closeSocketsAndTerminate()
          }
        },
      )

      it("PUSH round-robins over two PULL peers", BOUND, async () => {
        const ctx = new Context({ ioThreads })
        const a = new lib.Pull({ context: ctx, linger: 0, receiveTimeout: 5000 })
        const b = new lib.Pull({ context: ctx, linger: 0, receiveTimeout: 5000 })
        const push = new Push({ context: ctx, linger: 0 })
        // Whichever pull gets each message; the losing receive() stays pending for the next one.
        let pa = a.receive()
        let pb = b.receive()
        try {
          await push.bind(bindAddress(transport))
          a.connect(push.lastEndpoint!)
          b.connect(push.lastEndpoint!)

          const next = async (): Promise<["a" | "b", string]> => {
            const winner = await Promise.race([
              pa.then((f) => ["a", f] as const),
              pb.then((f) => ["b", f] as const),
            ])
            if (winner[0] === "a") pa = a.receive()
            else pb = b.receive()
            return [winner[0], winner[1].map((f) => f.toString()).join("|")]
          }

          // Probe one message at a time until both connections are attached to the PUSH.
          const got = new Set<string>()
          for (let i = 0; got.size < 2; i++) {
            assert.ok(i < 5000, "the second PULL never received anything")
            await push.send(`probe-${i}`)
            const [who, what] = await next()
            assert.equal(what, `probe-${i}`)
            got.add(who)
          }

          // Now a burst alternates strictly between the two.
          const N = 40
          await Promise.all(Array.from({ length: N }, (_, i) => push.send(`m${i}`)))
          const byPeer: Record<"a" | "b", string[]> = { a: [], b: [] }
          for (let i = 0; i < N; i++) {
            const [who, what] = await next()
            byPeer[who].push(what)
          }
          assert.equal(byPeer.a.length, N / 2, `a got ${byPeer.a.join(",")}`)
          assert.equal(byPeer.b.length, N / 2, `b got ${byPeer.b.join(",")}`)
          const evens = Array.from({ length: N / 2 }, (_, k) => `m${2 * k}`)
          const odds = Array.from({ length: N / 2 }, (_, k) => `m${2 * k + 1}`)
          const aEven = byPeer.a[0] === "m0"
          assert.deepEqual(byPeer.a, aEven ? evens : odds)
          assert.deepEqual(byPeer.b, aEven ? odds : evens)
        } finally {
          // The receive() calls still pending reject (EAGAIN) when their sockets close.
          pa.catch(() => {})
          pb.catch(() => {})
          push.close()
          a.close()
          b.close()
          await ctx.closeSocketsAndTerminate()
        }
      })

      it("PUSH with no peer blocks until one connects", BOUND, async () => {
        const ctx = new Context({ ioThreads })
        const push = new Push({ context: ctx, linger: 0 })
        const pull = new lib.Pull({ context: ctx, linger: 0 })
        try {
          await push.bind(bindAddress(transport))
          // Nobody there: a send with a timeout gives up, and its message is dropped.
          push.sendTimeout = 200
          await assert.rejects(push.send("timed-out"), isEagain)
          // Without a timeout it waits...
          push.sendTimeout = -1
          const order: string[] = []
          const waiting = ["w1", "w2", "w3"].map((m) => push.send(m).then(() => order.push(m)))
          // Give them 100 ms in which they must not resolve (the PULL is not connected yet).
          pull.receiveTimeout = 100
          await assert.rejects(pull.receive(), isEagain)
          assert.deepEqual(order, [], "send resolved with no peer")
          // ...until a peer connects; then the waiting sends go out in order.
          pull.receiveTimeout = 5000
          pull.connect(push.lastEndpoint!)
          await Promise.all(waiting)
          assert.deepEqual(order, ["w1", "w2", "w3"])
          for (const m of ["w1", "w2", "w3"]) {
            assert.equal((await pull.receive())[0]?.toString(), m)
          }
          pull.receiveTimeout = 150
          await assert.rejects(pull.receive(), isEagain)
        } finally {
          push.close()
          pull.close()
          await ctx.closeSocketsAndTerminate()
        }
      })

      it(
        "a connected PUSH queues up to its HWM for a peer that is not there yet",
        BOUND,
        async () => {
          const ctx = new Context({ ioThreads })
          const push = new Push({ context: ctx, linger: 0, sendHighWaterMark: 5, sendTimeout: 200 })
          const pull = new lib.Pull({ context: ctx, linger: 0, receiveTimeout: 5000 })
          try {
            // Connect to an address before anything is bound there.
            const endpoint = await unboundAddress(transport)
            push.connect(endpoint)
            for (let i = 0; i < 5; i++) await push.send(`q${i}`)
            await assert.rejects(push.send("over"), isEagain)
            await pull.bind(endpoint)
            for (let i = 0; i < 5; i++) assert.equal((await pull.receive())[0]?.toString(), `q${i}`)
            await push.send("later")
            assert.equal((await pull.receive())[0]?.toString(), "later")
          } finally {
            push.close()
            pull.close()
            await ctx.closeSocketsAndTerminate()
          }
        },
      )
    })
  }
