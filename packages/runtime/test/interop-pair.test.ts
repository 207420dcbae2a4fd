// PAIR interop with libzmq 4.3.5 (the `zeromq` package): omq Pair ↔ zmq Pair, traffic both ways,
// with either side binding, under in-thread IO and an IO worker thread.
import { afterEach, describe, it } from "node:test"
import { type Context, Pair } from "omq"
import * as zmq from "zeromq"
import {
  assertFrames,
  boundEndpoint,
  forEachIoThreads,
  freePort,
  nextEvent,
  probeUntilReceived,
  receiveSequence,
  receiveSkippingProbes,
  releaseZmqEndpoint,
  SHAPES,
  Sockets,
  sendSequence,
} from "./helpers/interop.js"

type Lib = "omq" | "zmq"

const STREAM_COUNT = 10_000

const msg = (...parts: string[]): Buffer[] => parts.map((p) => Buffer.from(p))

forEachIoThreads("interop PAIR", (ctx: Context) => {
  const sockets = new Sockets()
  afterEach(() => sockets.closeAll())

  const omqPair = (): Pair =>
    sockets.add(new Pair({ context: ctx, linger: 0, reconnectInterval: 20 }))
  const zmqPair = (): zmq.Pair => sockets.add(new zmq.Pair({ linger: 0, reconnectInterval: 20 }))

  /** A connected omq/zmq PAIR couple; `binder` binds, the other connects. */
  async function wire(binder: Lib): Promise<{ omq: Pair; zmq: zmq.Pair }> {
    const o = omqPair()
    const z = zmqPair()
    const [bound, connecting] = binder === "omq" ? [o, z] : [z, o]
    await bound.bind("tcp://127.0.0.1:*")
    const endpoint = boundEndpoint(bound)
    connecting.connect(endpoint)
    return { omq: o, zmq: z }
  }

  /** One round trip each way on a wired couple. */
  async function pingPong(o: Pair, z: zmq.Pair, tag: string): Promise<void> {
    await o.send(msg("ping", tag))
    assertFrames(await z.receive(), msg("ping", tag), `${tag}: omq → zmq`)
    await z.send(msg("pong", tag))
    assertFrames(await o.receive(), msg("pong", tag), `${tag}: zmq → omq`)
  }

  for (const binder of ["omq", "zmq"] as const) {
    describe(`omq Pair ↔ zmq Pair, ${binder} binds`, () => {
      it("a message goes each way", async () => {
        const { omq, zmq } = await wire(binder)
        await pingPong(omq, zmq, "once")
        await pingPong(omq, zmq, "twice")
      })

      for (const shape of SHAPES) {
        it(`omq → zmq: ${shape.name}`, async () => {
          const { omq, zmq } = await wire(binder)
          const frames = shape.frames()
          await omq.send(frames)
          await omq.send(msg("next"))
          assertFrames(await zmq.receive(), frames, shape.name)
          assertFrames(await zmq.receive(), msg("next"), "follow-up")
        })

        it(`zmq → omq: ${shape.name}`, async () => {
          const { omq, zmq } = await wire(binder)
          const frames = shape.frames()
          await zmq.send(frames)
          await zmq.send(msg("next"))
          assertFrames(await omq.receive(), frames, shape.name)
          assertFrames(await omq.receive(), msg("next"), "follow-up")
        })
      }

      it(`${STREAM_COUNT} messages each way at once arrive complete and in order`, async () => {
        const { omq, zmq } = await wire(binder)
        await Promise.all([
          sendSequence(omq, STREAM_COUNT, "o2z"),
          receiveSequence(zmq, STREAM_COUNT, "o2z"),
          sendSequence(zmq, STREAM_COUNT, "z2o"),
          receiveSequence(omq, STREAM_COUNT, "z2o"),
        ])
      })
    })
  }

  describe("connect before bind", () => {
    it("omq connects first and sends, zmq binds later: earlier sends arrive, replies flow back", async () => {
      const endpoint = `tcp://127.0.0.1:${await freePort()}`
      const o = omqPair()
      o.connect(endpoint)
      const sent = [0, 1, 2].map((i) => o.send(msg("early", String(i))))
      const z = zmqPair()
      await z.bind(endpoint)
      for (let i = 0; i < 3; i++)
        assertFrames(await z.receive(), msg("early", String(i)), `early ${i}`)
      await Promise.all(sent)
      await z.send(msg("reply"))
      assertFrames(await o.receive(), msg("reply"), "reply")
    })

    it("zmq connects first and sends, omq binds later: earlier sends arrive, replies flow back", async () => {
      const endpoint = `tcp://127.0.0.1:${await freePort()}`
      const z = zmqPair()
      z.connect(endpoint)
      // libzmq queues on a connecting pipe (immediate off), so these are accepted before any bind.
      for (let i = 0; i < 3; i++) await z.send(msg("early", String(i)))
      const o = omqPair()
      await o.bind(endpoint)
      for (let i = 0; i < 3; i++)
        assertFrames(await o.receive(), msg("early", String(i)), `early ${i}`)
      await o.send(msg("reply"))
      assertFrames(await z.receive(), msg("reply"), "reply")
    })
  })

  describe("peer restart", () => {
    it("omq (connecting) reconnects to a restarted zmq Pair on the same port", async () => {
      const o = omqPair()
      const z1 = zmqPair()
      await z1.bind("tcp://127.0.0.1:*")
      const endpoint = boundEndpoint(z1)
      o.connect(endpoint)
      await pingPong(o, z1, "before")

      await releaseZmqEndpoint(z1, endpoint)
      z1.close()
      const z2 = zmqPair()
      const handshake = nextEvent(z2, "handshake")
      await z2.bind(endpoint)
      // omq reconnects only after it has dropped the old connection, so once the new one has
      // shaken hands omq's single PAIR peer is the new one.
      await handshake
      await pingPong(o, z2, "after")
      await pingPong(o, z2, "after again")
    })

    it("zmq (connecting) reconnects to a restarted omq Pair on the same port", async () => {
      const o1 = omqPair()
      await o1.bind("tcp://127.0.0.1:*")
      const endpoint = boundEndpoint(o1)
      const z = zmqPair()
      z.connect(endpoint)
      await pingPong(o1, z, "before")

      o1.close()
      await o1.finished
      const o2 = omqPair()
      // libzmq keeps its pipe across a reconnect but may lose what it wrote into the dead
      // connection, so it sends only once the new connection is up.
      const handshake = nextEvent(z, "handshake")
      await o2.bind(endpoint)
      await handshake
      await z.send(msg("pong-first"))
      assertFrames(await o2.receive(), msg("pong-first"), "zmq → new omq")
      await pingPong(o2, z, "after")
    })

    it("omq (bound) pairs with a zmq Pair that replaced a closed one", async () => {
      const o = omqPair()
      await o.bind("tcp://127.0.0.1:*")
      const endpoint = boundEndpoint(o)
      const z1 = zmqPair()
      z1.connect(endpoint)
      await pingPong(o, z1, "before")

      z1.close()
      const z2 = zmqPair()
      z2.connect(endpoint)
      // While omq still holds the old connection it must turn the newcomer away (PAIR takes one
      // peer), and a message libzmq wrote into a refused connection is lost. omq raises no event
      // for the old peer's departure, so the new peer probes until omq hears it.
      await probeUntilReceived(z2, o)
      await o.send(msg("to-new-peer"))
      assertFrames(await receiveSkippingProbes(z2), msg("to-new-peer"), "omq → new zmq")
      await z2.send(msg("from-new-peer"))
      assertFrames(await receiveSkippingProbes(o), msg("from-new-peer"), "new zmq → omq")
    })
  })
})
