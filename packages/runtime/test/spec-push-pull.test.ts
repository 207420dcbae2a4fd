// PUSH and PULL as RFC 30 specifies them: the behaviours libzmq checks in
// tests/test_spec_pushpull.cpp, between omq sockets, over every transport and in both IO modes.
//
// destroy_queue_on_disconnect (disabled in libzmq): as for DEALER (see spec-dealer-router), the
// PULL that calls disconnect() drops the pipe with everything in it, and nothing the PUSH had
// queued for the old connection reaches a later one. libzmq's version fills both high-water
// marks first (one message each) and checks that sends then block; omq's send high-water mark
// counts messages not yet handed to the kernel, so small messages do not fill it, and the test
// here checks instead that the PUSH, once it sees the PULL go, has no peer to send to.
import assert from "node:assert/strict"
import { it } from "node:test"
import { setTimeout as delay } from "node:timers/promises"
import { assertSameBytes } from "./helpers/interop.js"
import {
  Arrivals,
  assertBlocksWithNoPeers,
  assertNothingArrives,
  assertQueueGoesWithDisconnect,
  BOUND,
  bindAddress,
  endpointOf,
  forEachSpecSuite,
  text,
  untilEveryPeerReached,
} from "./helpers/spec.js"

const PEERS = 5
/** Large enough to go over the rings' side channel and to be streamed frame by frame. */
const BIG = 4 << 20

forEachSpecSuite("PUSH/PULL", ({ transport, lib, sockets, opts }) => {
  it("push_round_robin_out: messages go to each PULL in turn", BOUND, async () => {
    const push = sockets.add(new lib.Push(opts))
    await push.bind(bindAddress(transport))
    const pulls = Array.from({ length: PEERS }, () => sockets.add(new lib.Pull(opts)))
    for (const pull of pulls) pull.connect(endpointOf(push))
    const arrivals = new Arrivals(pulls)
    await untilEveryPeerReached(PEERS, async (i) => {
      await push.send(`probe ${i}`)
      const { index, frames } = await arrivals.next()
      assert.deepEqual(text(frames), [`probe ${i}`])
      return index
    })

    for (let i = 0; i < PEERS; i++) await push.send(`ABC ${i}`)
    for (let i = 0; i < PEERS; i++) await push.send(`DEF ${i}`)
    const byPull: string[][] = pulls.map(() => [])
    for (let n = 0; n < 2 * PEERS; n++) {
      const { index, frames } = await arrivals.next()
      byPull[index]!.push(...text(frames))
    }
    // Each PULL got one of each, the same turn position in both: [ABC i, DEF i].
    const positions = byPull.map((got, index) => {
      const i = got[0]?.split(" ")[1]
      assert.deepEqual(got, [`ABC ${i}`, `DEF ${i}`], `PULL ${index}`)
      return i
    })
    assert.equal(new Set(positions).size, PEERS, `positions ${positions.join(", ")}`)
  })

  it("pull_fair_queue_in: receives what every PUSH sends, each one's in order", BOUND, async () => {
    const pull = sockets.add(new lib.Pull(opts))
    await pull.bind(bindAddress(transport))
    const pushes = Array.from({ length: PEERS }, () => sockets.add(new lib.Push(opts)))
    for (const push of pushes) push.connect(endpointOf(pull))

    for (const [k, push] of pushes.entries()) {
      await push.send([`${k}`, "first"])
      await push.send([`${k}`, "second"])
    }
    const byPush = pushes.map((): string[] => [])
    for (let n = 0; n < 2 * PEERS; n++) {
      const [k, which] = text(await pull.receive())
      byPush[Number(k)]!.push(which!)
    }
    for (const [k, got] of byPush.entries()) assert.deepEqual(got, ["first", "second"], `${k}`)
  })

  it(
    "push_block_on_send_no_peers: with no peer, send() rejects with EAGAIN at sendTimeout",
    BOUND,
    async () => {
      const push = sockets.add(new lib.Push(opts))
      await push.bind(bindAddress(transport))
      await assertBlocksWithNoPeers(push, () => sockets.add(new lib.Pull(opts)))
    },
  )

  it("destroy_queue_on_disconnect: the pipe's queue goes with it", BOUND, async () => {
    const push = sockets.add(new lib.Push(opts))
    await push.bind(bindAddress(transport))
    const endpoint = endpointOf(push)
    const pull = sockets.add(new lib.Pull(opts))
    pull.connect(endpoint)

    await push.send("ABC")
    await push.send("DEF")
    await assertQueueGoesWithDisconnect(push, pull, endpoint, "ABC")
  })

  // libzmq sends frame by frame (ZMQ_SNDMORE), and its non-blocking variant can fail on the
  // last frame; an omq send() takes a whole message or nothing, so the non-blocking variant
  // here is a send with sendTimeout 0 that, when it fails, is made again, blocking.
  for (const variant of ["block", "non-block"] as const) {
    it(
      `push_multipart_atomic_drop (${variant}): a PULL that reconnects gets whole messages only`,
      BOUND,
      async () => {
        const push = sockets.add(new lib.Push({ ...opts, sendHighWaterMark: 1 }))
        await push.bind(bindAddress(transport))
        const endpoint = endpointOf(push)
        const pull = sockets.add(new lib.Pull({ ...opts, receiveHighWaterMark: 1 }))
        pull.connect(endpoint)
        const big = (fill: string): Buffer => Buffer.alloc(BIG, fill)
        const assertBig = (frame: Buffer | undefined, fill: string, what: string): void =>
          assertSameBytes(frame, big(fill), what)

        // Normal case: a large multipart message goes through whole.
        await push.send(["0", "0", big("a")])
        const zero = await pull.receive()
        assert.deepEqual(text(zero.slice(0, 2)), ["0", "0"])
        assertBig(zero[2], "a", "message 0")
        assert.equal(zero.length, 3)

        // Fill the queues with a message each way, unread; the PULL leaves and comes straight back.
        await push.send("1")
        await push.send(["2", "2", big("b")])
        pull.disconnect(endpoint)
        pull.connect(endpoint)

        // While the old pipe is going away and the new one coming up.
        const three = ["3", "3", big("c"), "3b"]
        if (variant === "block") {
          await push.send(three)
        } else {
          push.sendTimeout = 0
          try {
            await push.send(three)
          } catch (err) {
            assert.equal((err as { code?: string }).code, "EAGAIN")
            push.sendTimeout = -1
            await push.send(three)
          }
          push.sendTimeout = -1
        }
        await push.send(["5", "5", big("d")])

        // "3" whole (unless it went into the old pipe and was dropped), then "5" whole: never a
        // piece of one, never anything from the old pipe.
        let got = await pull.receive()
        if (text(got.slice(0, 1))[0] === "3") {
          assert.equal(got.length, 4, "message 3: frame count")
          assert.deepEqual(text([got[0]!, got[1]!, got[3]!]), ["3", "3", "3b"])
          assertBig(got[2], "c", "message 3")
          got = await pull.receive()
        }
        assert.equal(got.length, 3, `[${text(got.slice(0, 2)).join(", ")}, ...]: frame count`)
        assert.deepEqual(text(got.slice(0, 2)), ["5", "5"])
        assertBig(got[2], "d", "message 5")
        await assertNothingArrives(pull, 50)
      },
    )
  }

  it(
    "push_multipart_atomic_drop: multipart messages stay whole when a PULL goes away mid-stream",
    BOUND,
    async () => {
      const push = sockets.add(new lib.Push({ ...opts, sendHighWaterMark: 50 }))
      await push.bind(bindAddress(transport))
      const leaving = sockets.add(new lib.Pull({ ...opts, receiveHighWaterMark: 10 }))
      const staying = sockets.add(new lib.Pull(opts))
      leaving.connect(endpointOf(push))
      staying.connect(endpointOf(push))
      const pulls = new Arrivals([leaving, staying])
      await untilEveryPeerReached(2, async (i) => {
        await push.send(`probe ${i}`)
        return (await pulls.next()).index
      })
      const sending = (async () => {
        for (let i = 0; i < 2000; i++) await push.send(["a", `${i}`, "c"])
      })()
      await pulls.receive(0)
      leaving.close() // drops whatever it had in flight

      // Once the sending is done, an end marker (sent until the PUSH has only `staying` left)
      // tells the reader it has everything.
      let ended = false
      const ending = sending.then(async () => {
        while (!ended) {
          await push.send("end")
          await delay(5)
        }
      })
      let whole = 0
      let last = -1
      for (;;) {
        const frames = text(await pulls.receive(1))
        if (frames.length === 1 && frames[0] === "end") break
        assert.equal(frames.length, 3, `[${frames.join(", ")}]: frame count`)
        assert.deepEqual([frames[0], frames[2]], ["a", "c"], "never part of a message")
        const n = Number(frames[1])
        assert.ok(n > last, `message ${n} after ${last}`)
        last = n
        whole++
      }
      ended = true
      await ending
      // It had a share from the start: both were peers of the PUSH before the sending began.
      assert.ok(whole > 0, "the staying PULL got none of the 2000")
    },
  )
})
