// omq/browser in a real headless Chromium (Debian's, driven by puppeteer-core): page sockets
// speak ZWS 2.0 to Node sockets bound on ws://, libzmq 4.3.5's (zeromq.js 6.8) and omq's own,
// with one test body per behaviour run over both. A hand-written ws server then says what a
// real server would not: bad input, and PLAIN and CURVE, which a page can only offer under
// names that libzmq does not know (browsers refuse "ZWS2.0/CURVE": see zws-subprotocol.ts).
import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, afterEach, before, describe, it } from "node:test"
import {
  curveKeyPairBytes,
  encodeError,
  encodePing,
  encodeReady,
  mechanismFor,
  parseCommand,
  parseMetadata,
  z85Encode,
  zwsPayloadOfFrame,
} from "@omq/transport/zmtp"
import * as omq from "omq"
import * as zmq from "zeromq"
import { type BrowserOmq, BrowserPage, spkiHash } from "./helpers/browser-page.js"
import { FakeWsServer, TEXT, ZwsTestPeer } from "./helpers/browser-ws-server.js"

/** What page functions see: omq/browser, and what earlier evaluations kept. */
interface PageScope {
  omq: BrowserOmq
  kept: Record<string, unknown>
}

/** The Node socket surface both libraries share. */
interface NodeSocket {
  bind(address: string): Promise<void>
  connect(address: string): void
  readonly lastEndpoint: string | null
  send(message: string | Uint8Array | Array<string | Uint8Array>): Promise<void>
  receive(): Promise<Buffer[]>
  subscribe(...topics: string[]): void
  close(): void
}

/** The socket classes a test makes on the Node side, by their names in both libraries. */
type Kind =
  | "Router"
  | "Dealer"
  | "Request"
  | "Reply"
  | "Push"
  | "Pull"
  | "Pair"
  | "XPublisher"
  | "Subscriber"

interface NodePeer {
  name: string
  /** A socket of `kind` (linger 0, and `options`). */
  make(kind: Kind, options?: Record<string, unknown>): NodeSocket
  /** What it binds: the port is chosen by the system. */
  address: string
  /**
   * It can serve a page over wss with CURVE. libzmq cannot: it knows only "ZWS2.0/CURVE", which
   * browsers cannot offer, and zeromq.js has no wss.
   */
  wssCurve: boolean
}

/** A maker of sockets from a library whose classes take an options object. */
const maker =
  (lib: Record<Kind, unknown>) =>
  (kind: Kind, options: Record<string, unknown> = {}): NodeSocket =>
    new (lib[kind] as new (options: object) => NodeSocket)({ linger: 0, ...options })

const PEERS: NodePeer[] = [
  {
    name: "zeromq.js 6.8 (libzmq 4.3.5)",
    make: maker(zmq),
    address: "ws://127.0.0.1:*",
    wssCurve: false,
  },
  {
    name: "omq",
    make: maker(omq),
    address: "ws://127.0.0.1:*/omq",
    wssCurve: true,
  },
]

/**
 * A self-signed certificate for 127.0.0.1 and its key (PEM), made by openssl at test time (an
 * EC key: milliseconds). Chromium is told to trust its key alone (spkiHash).
 */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "omq-browser-"))
  try {
    const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")]
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        .concat(["-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"])
        .concat(["-addext", "subjectAltName=IP:127.0.0.1"]),
      { stdio: ["ignore", "ignore", "pipe"] },
    )
    return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
const TLS = selfSignedCertificate()

/** Each test's own limit: a hang fails that test, not the whole file. */
const EACH = { timeout: 10_000 }

/** The server mechanisms below ask ZAP (here: the test) about each client. */
const ZAP = { domain: true, enforce: true }

const text = (frames: readonly Uint8Array[]): string[] =>
  frames.map((frame) => Buffer.from(frame).toString())
const bytes = (...parts: Array<number | string>): Buffer =>
  Buffer.concat(
    parts.map((part) => (typeof part === "number" ? Buffer.of(part) : Buffer.from(part))),
  )

describe("omq/browser in headless Chromium", { timeout: 60_000 }, () => {
  let browser: BrowserPage
  const nodeSockets: NodeSocket[] = []
  const node = <S extends NodeSocket>(socket: S): S => {
    nodeSockets.push(socket)
    return socket
  }

  before(async () => {
    browser = await BrowserPage.open({ trustKeys: [spkiHash(TLS.cert)] })
  })
  afterEach(async () => {
    for (const socket of nodeSockets.splice(0)) socket.close()
    // Page sockets a failed test left open; every test closes its own otherwise.
    await browser.page.evaluate(() => {
      const scope = globalThis as unknown as PageScope
      for (const held of Object.values(scope.kept ?? {})) (held as { close?(): void }).close?.()
      scope.kept = {}
    })
  })
  after(async () => {
    await browser?.close()
  })

  /** Binds a Node socket on ws:// and returns the endpoint a page connects to. */
  async function bound(peer: NodePeer, socket: NodeSocket): Promise<string> {
    await socket.bind(peer.address)
    const endpoint = socket.lastEndpoint ?? ""
    assert.ok(endpoint.startsWith("ws://127.0.0.1:"), endpoint)
    return endpoint
  }

  for (const peer of PEERS) {
    describe(`against ${peer.name}`, () => {
      it(
        "a ROUTER serves several page DEALERs, and each reply reaches its asker",
        EACH,
        async () => {
          const router = node(peer.make("Router"))
          const endpoint = await bound(peer, router)
          const served = (async () => {
            const ids = new Set<string>()
            for (let i = 0; i < 6; i++) {
              const [id, body] = await router.receive()
              ids.add(id!.toString())
              await router.send([id!, `re:${body}`])
            }
            return [...ids].sort()
          })()
          const replies = await browser.page.evaluate(async (endpoint) => {
            const { omq } = globalThis as unknown as PageScope
            const dealers = [0, 1, 2].map((i) => {
              const dealer = new omq.Dealer({ routingId: `page-${i}`, linger: 0 })
              dealer.connect(endpoint)
              return dealer
            })
            await Promise.all(
              dealers.flatMap((d, i) => [d.send(`page-${i}:a`), d.send(`page-${i}:b`)]),
            )
            const got = await Promise.all(
              dealers.map(async (dealer) => {
                const first = await dealer.receive()
                const second = await dealer.receive()
                return [first, second].map((m) => new TextDecoder().decode(m[0]))
              }),
            )
            for (const dealer of dealers) dealer.close()
            return got
          }, endpoint)
          assert.deepEqual(
            replies,
            [0, 1, 2].map((i) => [`re:page-${i}:a`, `re:page-${i}:b`]),
          )
          assert.deepEqual(await served, ["page-0", "page-1", "page-2"], "routing ids, as set")
        },
      )

      it(
        "a page DEALER round-robins over its peers and fair-queues their answers",
        EACH,
        async () => {
          const left = node(peer.make("Dealer"))
          const right = node(peer.make("Dealer"))
          const endpoints = [await bound(peer, left), await bound(peer, right)]
          const echo = async (socket: NodeSocket, tag: string): Promise<string[]> => {
            const seen: string[] = []
            for (let i = 0; i < 3; i++) {
              const [body] = await socket.receive()
              seen.push(body!.toString())
              await socket.send(`${tag}:${body}`)
            }
            return seen
          }
          const seen = Promise.all([echo(left, "L"), echo(right, "R")])
          const answers = await browser.page.evaluate(async (endpoints) => {
            const { omq } = globalThis as unknown as PageScope
            const dealer = new omq.Dealer({ linger: 0 })
            for (const endpoint of endpoints) dealer.connect(endpoint)
            // Pipes join at connect(), as libzmq's: the round-robin starts before either is up.
            for (let i = 0; i < 6; i++) await dealer.send(`m${i}`)
            const got: string[] = []
            for (let i = 0; i < 6; i++)
              got.push(new TextDecoder().decode((await dealer.receive())[0]))
            dealer.close()
            return got
          }, endpoints)
          assert.deepEqual(await seen, [
            ["m0", "m2", "m4"],
            ["m1", "m3", "m5"],
          ])
          assert.deepEqual([...answers].sort(), ["L:m0", "L:m2", "L:m4", "R:m1", "R:m3", "R:m5"])
        },
      )

      it(
        "a page SUB gets only the topics it subscribed to, as 0x01/0x00 data frames",
        EACH,
        async () => {
          // An XPUB filters as a PUB does, and its subscription messages are the event that
          // says the page's subscriptions have arrived: nothing sleeps.
          const xpub = node(peer.make("XPublisher"))
          const endpoint = await bound(peer, xpub)
          await browser.page.evaluate((endpoint) => {
            const scope = globalThis as unknown as PageScope
            const sub = new scope.omq.Subscriber({ linger: 0 })
            sub.subscribe("weather", "news")
            sub.connect(endpoint)
            scope.kept = { sub }
          }, endpoint)
          const subscribed = [text(await xpub.receive()), text(await xpub.receive())].flat().sort()
          assert.deepEqual(subscribed, ["\u0001news", "\u0001weather"])
          for (const topic of ["sports", "weather", "traffic", "news"]) {
            await xpub.send([topic, `${topic} report`])
          }
          const received = await browser.page.evaluate(async () => {
            const { kept } = globalThis as unknown as PageScope
            const sub = kept.sub as InstanceType<BrowserOmq["Subscriber"]>
            const decode = (m: Uint8Array[]) => m.map((f) => new TextDecoder().decode(f))
            const got = [decode(await sub.receive()), decode(await sub.receive())]
            sub.unsubscribe("weather")
            return got
          })
          assert.deepEqual(received, [
            ["weather", "weather report"],
            ["news", "news report"],
          ])
          assert.deepEqual(text(await xpub.receive()), ["\u0000weather"])
        },
      )

      it("a page REQ alternates with a REP, and a call out of turn is EFSM", EACH, async () => {
        const rep = node(peer.make("Reply"))
        const endpoint = await bound(peer, rep)
        const served = (async () => {
          for (let i = 0; i < 3; i++) {
            const [question] = await rep.receive()
            await rep.send(`answer to ${question}`)
          }
        })()
        const result = await browser.page.evaluate(async (endpoint) => {
          const { omq } = globalThis as unknown as PageScope
          const req = new omq.Request({ linger: 0 })
          req.connect(endpoint)
          const codeOf = (p: Promise<unknown>) =>
            p.then(
              () => "ok",
              (e) => e.code,
            )
          const early = await codeOf(req.receive())
          const answers: string[] = []
          let twice = ""
          for (let i = 0; i < 3; i++) {
            const sent = req.send(`q${i}`)
            if (i === 0) twice = await codeOf(req.send("again"))
            await sent
            answers.push(new TextDecoder().decode((await req.receive())[0]))
          }
          req.close()
          return { early, twice, answers }
        }, endpoint)
        await served
        assert.deepEqual(result, {
          early: "EFSM",
          twice: "EFSM",
          answers: ["answer to q0", "answer to q1", "answer to q2"],
        })
      })

      it(
        "frames of any size and content, empty ones too, cross both ways unchanged",
        EACH,
        async () => {
          const dealer = node(peer.make("Dealer"))
          const endpoint = await bound(peer, dealer)
          const echoed = (async () => {
            const message = await dealer.receive()
            await dealer.send(message)
            return message
          })()
          const sizes = [0, 1, 255, 256, 70_000]
          const back = await browser.page.evaluate(
            async (endpoint, sizes) => {
              const { omq } = globalThis as unknown as PageScope
              const frame = (size: number, seed: number) =>
                Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) % 256)
              const peer = new omq.Dealer({ linger: 0 })
              peer.connect(endpoint)
              await peer.send(sizes.map((size, seed) => frame(size, seed)))
              const reply = await peer.receive()
              peer.close()
              const same = reply.every((f, seed) => {
                const want = frame(sizes[seed]!, seed)
                return f.byteLength === want.byteLength && f.every((b, i) => b === want[i])
              })
              return { count: reply.length, same }
            },
            endpoint,
            sizes,
          )
          const received = await echoed
          assert.deepEqual(
            received.map((f) => f.length),
            sizes,
          )
          assert.equal(received[3]![255], (255 * 31 + 3) % 256, "a byte past the short size")
          assert.deepEqual(back, { count: sizes.length, same: true })
        },
      )

      it("a page PUSH feeds a Node PULL, in order", EACH, async () => {
        const pull = node(peer.make("Pull"))
        const endpoint = await bound(peer, pull)
        await browser.page.evaluate(async (endpoint) => {
          const { omq } = globalThis as unknown as PageScope
          const push = new omq.Push()
          push.connect(endpoint)
          for (let i = 0; i < 100; i++) await push.send(["n", String(i)])
          push.close()
          await push.finished // linger: queued messages go out before the connection closes
        }, endpoint)
        for (let i = 0; i < 100; i++) assert.deepEqual(text(await pull.receive()), ["n", String(i)])
      })

      it("a page ROUTER learns Node DEALERs' routing ids and answers each", EACH, async () => {
        const dealers = ["node-a", "node-b"].map((id) =>
          node(peer.make("Dealer", { routingId: id })),
        )
        const endpoints = [await bound(peer, dealers[0]!), await bound(peer, dealers[1]!)]
        const pageSide = browser.page.evaluate(async (endpoints) => {
          const { omq } = globalThis as unknown as PageScope
          const decode = (frame: Uint8Array) => new TextDecoder().decode(frame)
          const router = new omq.Router()
          for (const endpoint of endpoints) router.connect(endpoint)
          const ids: string[] = []
          for (let i = 0; i < 2; i++) {
            const [id, body] = await router.receive()
            ids.push(decode(id!))
            await router.send([id!, `re:${decode(body!)}`])
          }
          router.close()
          await router.finished // the replies go out first (linger -1)
          return ids.sort()
        }, endpoints)
        await Promise.all(dealers.map((dealer, i) => dealer.send(`from ${i}`)))
        for (const [i, dealer] of dealers.entries()) {
          assert.deepEqual(text(await dealer.receive()), [`re:from ${i}`])
        }
        assert.deepEqual(await pageSide, ["node-a", "node-b"])
      })

      it("a page REP answers a Node REQ, one request at a time", EACH, async () => {
        const req = node(peer.make("Request"))
        const endpoint = await bound(peer, req)
        const pageSide = browser.page.evaluate(async (endpoint) => {
          const { omq } = globalThis as unknown as PageScope
          const rep = new omq.Reply()
          rep.connect(endpoint)
          const seen: string[] = []
          for (let i = 0; i < 2; i++) {
            const [question] = await rep.receive()
            seen.push(new TextDecoder().decode(question))
            await rep.send(["answer", String(i)])
          }
          const early = await rep.send("unasked").catch((e) => e.code)
          rep.close()
          await rep.finished
          return { seen, early }
        }, endpoint)
        for (let i = 0; i < 2; i++) {
          await req.send(`question ${i}`)
          assert.deepEqual(text(await req.receive()), ["answer", String(i)])
        }
        assert.deepEqual(await pageSide, { seen: ["question 0", "question 1"], early: "EFSM" })
      })

      it("a page XPUB hears a Node SUB's subscriptions and sends it only those", EACH, async () => {
        const sub = node(peer.make("Subscriber"))
        sub.subscribe("a.")
        const endpoint = await bound(peer, sub)
        const received = sub.receive() // zeromq.js attaches a pipe only while a call waits
        const subscriptions = await browser.page.evaluate(async (endpoint) => {
          const scope = globalThis as unknown as PageScope
          const xpub = new scope.omq.XPublisher({ linger: 0 })
          xpub.connect(endpoint)
          scope.kept = { xpub }
          const [subscription] = await xpub.receive()
          await xpub.send(["b.1", "not for it"])
          await xpub.send(["a.1", "for it"])
          return [...subscription!]
        }, endpoint)
        assert.deepEqual(subscriptions, [1, ...Buffer.from("a.")])
        assert.deepEqual(text(await received), ["a.1", "for it"])
      })

      it("a page PULL takes from two Node PUSHes, each in its order", EACH, async () => {
        const pushes = [node(peer.make("Push")), node(peer.make("Push"))]
        const endpoints = [await bound(peer, pushes[0]!), await bound(peer, pushes[1]!)]
        const pageSide = browser.page.evaluate(async (endpoints) => {
          const { omq } = globalThis as unknown as PageScope
          const pull = new omq.Pull({ linger: 0 })
          for (const endpoint of endpoints) pull.connect(endpoint)
          const got: string[] = []
          for (let i = 0; i < 6; i++) got.push(new TextDecoder().decode((await pull.receive())[0]))
          pull.close()
          return got
        }, endpoints)
        for (let i = 0; i < 3; i++)
          await Promise.all(pushes.map((push, p) => push.send(`${p}:${i}`)))
        const got = await pageSide
        for (const p of [0, 1]) {
          assert.deepEqual(
            got.filter((m) => m.startsWith(`${p}:`)),
            [0, 1, 2].map((i) => `${p}:${i}`),
          )
        }
      })

      it("a page PAIR talks with a Node PAIR, and refuses a second peer", EACH, async () => {
        const pair = node(peer.make("Pair"))
        const endpoint = await bound(peer, pair)
        const pageSide = browser.page.evaluate(async (endpoint) => {
          const { omq } = globalThis as unknown as PageScope
          const mine = new omq.Pair({ linger: 0 })
          mine.connect(endpoint)
          mine.connect("ws://127.0.0.1:1/second") // refused: a PAIR has one peer
          await mine.send("ping")
          const [answer] = await mine.receive()
          let second = "still there"
          try {
            mine.disconnect("ws://127.0.0.1:1/second")
          } catch (e) {
            second = (e as { code: string }).code
          }
          mine.close()
          return { answer: new TextDecoder().decode(answer), second }
        }, endpoint)
        assert.deepEqual(text(await pair.receive()), ["ping"])
        await pair.send("pong")
        assert.deepEqual(await pageSide, { answer: "pong", second: "ENOENT" })
      })

      // libzmq cannot serve it (see wssCurve): the test exists for the peers that can.
      if (peer.wssCurve)
        it("over wss with CURVE, a page DEALER is served by a CURVE ROUTER", EACH, async () => {
          const keys = omq.curveKeyPair()
          const router = node(
            peer.make("Router", {
              curveServer: true,
              curveSecretKey: keys.secretKey,
              wssKey: TLS.key,
              wssCert: TLS.cert,
            }),
          )
          await router.bind(peer.address.replace("ws:", "wss:"))
          const endpoint = router.lastEndpoint ?? ""
          assert.match(endpoint, /^wss:\/\/127\.0\.0\.1:/)
          const served = (async () => {
            const [id, body] = await router.receive()
            await router.send([id!, `sealed ${body}`])
          })()
          const reply = await browser.page.evaluate(
            async (endpoint, serverKey) => {
              const { omq } = globalThis as unknown as PageScope
              const security = omq.curveClient({ serverKey, ...omq.curveKeyPair() })
              const dealer = new omq.Dealer({ linger: 0, security })
              dealer.connect(endpoint)
              await dealer.send("hello")
              const [answer] = await dealer.receive()
              dealer.close()
              return new TextDecoder().decode(answer)
            },
            endpoint,
            keys.publicKey,
          )
          await served
          assert.equal(reply, "sealed hello")
        })
    })
  }

  it("a page cannot bind, nor connect but over ws or wss (EPROTONOSUPPORT)", EACH, async () => {
    const codes = await browser.page.evaluate(async () => {
      const { omq } = globalThis as unknown as PageScope
      const dealer = new omq.Dealer()
      const bind = await dealer.bind("ws://127.0.0.1:5555").then(
        () => "bound",
        (e) => e.code,
      )
      let connect = "connected"
      try {
        dealer.connect("tcp://127.0.0.1:5555")
      } catch (e) {
        connect = (e as { code: string }).code
      }
      dealer.close()
      return { bind, connect, sendAfterClose: await dealer.send("x").catch((e) => e.code) }
    })
    assert.deepEqual(codes, {
      bind: "EPROTONOSUPPORT",
      connect: "EPROTONOSUPPORT",
      sendAfterClose: "EAGAIN",
    })
  })

  describe("what a server says, byte by byte", () => {
    let server: FakeWsServer | undefined
    afterEach(async () => {
      await server?.close()
      server = undefined
    })

    /**
     * A page DEALER connected to `url`, kept as `dealer`, its events as `events`. `security:
     * "plain"` gives it PLAIN credentials alice/secret.
     */
    function pageDealer(url: string, options: Record<string, unknown> = {}): Promise<void> {
      return browser.page.evaluate(
        (url, { security, ...options }) => {
          const scope = globalThis as unknown as PageScope
          const dealer = new scope.omq.Dealer({
            linger: 0,
            reconnectInterval: 10,
            ...options,
            ...(security === "plain" ? { security: scope.omq.plainClient("alice", "secret") } : {}),
          })
          const events: string[] = []
          for (const type of [
            "connect",
            "handshake",
            "handshake:error:protocol",
            "handshake:error:auth",
          ] as const) {
            dealer.events.on(type, () => events.push(type))
          }
          dealer.connect(url)
          scope.kept = { dealer, events }
        },
        url,
        options,
      )
    }

    /** The page DEALER sends a message. */
    function sendFromPage(message: string[]): Promise<void> {
      return browser.page.evaluate((message) => {
        const { kept } = globalThis as unknown as PageScope
        return (kept.dealer as InstanceType<BrowserOmq["Dealer"]>).send(message)
      }, message)
    }

    /** The page DEALER's next message, as text, and the events it has seen so far. */
    function pageReceives(): Promise<{ message: string[]; events: string[] }> {
      return browser.page.evaluate(async () => {
        const { kept } = globalThis as unknown as PageScope
        const dealer = kept.dealer as InstanceType<BrowserOmq["Dealer"]>
        const message = (await dealer.receive()).map((f) => new TextDecoder().decode(f))
        return { message, events: kept.events as string[] }
      })
    }

    it(
      "bare ZWS2.0 (all libzmq lets a page have): routing ids first, one frame per message",
      EACH,
      async () => {
        server = await FakeWsServer.start(() => "ZWS2.0")
        await pageDealer(server.url, { routingId: "page" })
        const connection = await server.nextConnection()
        // Browsers refuse "ZWS2.0/NULL" (not an RFC 6455 token): its "-" spelling comes first.
        assert.deepEqual(connection.offered, ["ZWS2.0-NULL", "ZWS2.0"])
        assert.deepEqual(await connection.nextBinary(), bytes(0x00, "page"), "routing id, no READY")
        connection.send(bytes(0x00, "server"))
        connection.send(bytes(0x01, "a"))
        connection.send(bytes(0x00, "bc"))
        assert.deepEqual((await pageReceives()).message, ["a", "bc"])
        await sendFromPage(["x", "yz"])
        assert.deepEqual(await connection.nextBinary(), bytes(0x01, "x"), "MORE is 0x01")
        assert.deepEqual(await connection.nextBinary(), bytes(0x00, "yz"))
      },
    )

    it(
      "a page SUB subscribes with 0x01 data frames and drops what it did not ask for",
      EACH,
      async () => {
        server = await FakeWsServer.start(() => "ZWS2.0")
        await browser.page.evaluate((url) => {
          const scope = globalThis as unknown as PageScope
          const sub = new scope.omq.Subscriber({ linger: 0 })
          sub.subscribe("weather")
          sub.connect(url)
          scope.kept = { sub }
        }, server.url)
        const connection = await server.nextConnection()
        assert.deepEqual(await connection.nextBinary(), bytes(0x00), "an empty routing id")
        connection.send(bytes(0x00)) // ours: the connection is up, subscriptions follow
        assert.deepEqual(
          await connection.nextBinary(),
          bytes(0x00, 0x01, "weather"),
          "no SUBSCRIBE",
        )
        // A server that does not filter: the page does.
        for (const topic of ["sports", "weather"]) {
          connection.send(bytes(0x01, topic))
          connection.send(bytes(0x00, `${topic} report`))
        }
        const received = await browser.page.evaluate(async () => {
          const { kept } = globalThis as unknown as PageScope
          const sub = kept.sub as InstanceType<BrowserOmq["Subscriber"]>
          const message = (await sub.receive()).map((f) => new TextDecoder().decode(f))
          sub.unsubscribe("weather")
          return message
        })
        assert.deepEqual(received, ["weather", "weather report"])
        assert.deepEqual(await connection.nextBinary(), bytes(0x00, 0x00, "weather"), "no CANCEL")
      },
    )

    it("ZWS2.0-NULL: READY first; a peer of the wrong Socket-Type is dropped", EACH, async () => {
      server = await FakeWsServer.start(() => "ZWS2.0-NULL")
      await pageDealer(server.url, { routingId: "page", metadata: { "X-Tab": "1" } })
      for (const type of ["PUB", "ROUTER"]) {
        const connection = await server.nextConnection()
        const ready = await connection.nextBinary()
        assert.equal(ready[0], 0x02, "COMMAND is 0x02")
        const command = parseCommand(ready.subarray(1))
        assert.equal(command.name, "READY")
        const properties = parseMetadata(command.data)
        assert.deepEqual(
          [...properties].map(([name, value]) => [name, Buffer.from(value).toString()]),
          [
            ["socket-type", "DEALER"],
            ["identity", "page"],
            ["x-tab", "1"],
          ],
        )
        connection.send(zwsPayloadOfFrame(encodeReady([["Socket-Type", Buffer.from(type)]])))
        if (type === "PUB")
          await connection.ended // a DEALER cannot talk to a PUB
        else connection.send(bytes(0x00, "hello"))
      }
      const { message, events } = await pageReceives()
      assert.deepEqual(message, ["hello"])
      assert.deepEqual(events, ["connect", "handshake:error:protocol", "connect", "handshake"])
    })

    it("a server's bad messages drop its connection, and the page reconnects", EACH, async () => {
      const bad: Array<[string, (send: (payload: Uint8Array, opcode?: number) => void) => void]> = [
        ["a text message", (send) => send(Buffer.from("hello"), TEXT)],
        ["an empty message", (send) => send(Buffer.alloc(0))],
        ["a frame above maxMessageSize", (send) => send(bytes(0x00, "x".repeat(101)))],
        ["a command without a name", (send) => send(Buffer.of(0x02))],
        ["an ERROR command", (send) => send(zwsPayloadOfFrame(encodeError("bye")))],
      ]
      server = await FakeWsServer.start(() => "ZWS2.0")
      await pageDealer(server.url, { maxMessageSize: 100 })
      for (const [what, misbehave] of bad) {
        const connection = await server.nextConnection()
        await connection.nextBinary() // the page's routing id
        connection.send(bytes(0x00))
        misbehave((payload, opcode) => connection.send(payload, opcode))
        await connection.ended.then(() => assert.ok(true, `${what}: dropped`))
      }
      const good = await server.nextConnection()
      await good.nextBinary()
      good.send(bytes(0x00))
      good.send(bytes(0x00, "fine"))
      // Nothing of the bad connections reached the application.
      assert.deepEqual((await pageReceives()).message, ["fine"])
    })

    it(
      "heartbeats: PINGs every interval, a PONG for a PING, a silent server dropped",
      EACH,
      async () => {
        server = await FakeWsServer.start(() => "ZWS2.0")
        const heartbeats = {
          heartbeatInterval: 20,
          heartbeatTimeToLive: 3000,
          heartbeatTimeout: 100,
        }
        await pageDealer(server.url, heartbeats)
        const first = await server.nextConnection()
        await first.nextBinary() // the page's routing id
        first.send(bytes(0x00))
        first.send(zwsPayloadOfFrame(encodePing(0, Buffer.from("ctx"))))
        const seen = new Set<string>()
        while (seen.size < 2) {
          const payload = await first.nextBinary()
          const { name, data } = parseCommand(payload.subarray(1))
          assert.equal(payload[0], 0x02, `${name} is a command`)
          seen.add(`${name} ${[...data].join(",")}`)
        }
        // PING with a TTL of 30 deciseconds and no context; PONG with the PING's context.
        assert.deepEqual([...seen].sort(), [
          "PING 0,30",
          `PONG ${[...Buffer.from("ctx")].join(",")}`,
        ])
        // From now on the server is silent: the page drops it after heartbeatTimeout, and redials.
        await first.ended
        const second = await server.nextConnection()
        assert.deepEqual(await second.nextBinary(), bytes(0x00), "a new connection's routing id")
      },
    )

    it(
      "the browser refuses a server that selects no subprotocol, or one not offered",
      EACH,
      async () => {
        // Chromium fails both handshakes itself; the page hears only a close, and retries.
        server = await FakeWsServer.start((_offered, index) =>
          index === 0 ? null : index === 1 ? "ZWS2.0/NULL" : "ZWS2.0",
        )
        await pageDealer(server.url)
        for (let i = 0; i < 2; i++) await (await server.nextConnection()).ended
        const good = await server.nextConnection()
        await good.nextBinary()
        good.send(bytes(0x00))
        good.send(bytes(0x00, "third time"))
        const { message, events } = await pageReceives()
        assert.deepEqual(message, ["third time"])
        assert.deepEqual(events, ["connect", "handshake"], "the refused ones never opened")
      },
    )

    it(
      "CURVE: the page's client handshake and boxes work against the core's CURVE server",
      EACH,
      async () => {
        const serverKeys = curveKeyPairBytes()
        server = await FakeWsServer.start(() => "ZWS2.0-CURVE")
        const clientPublic = await browser.page.evaluate(
          (url, serverKey) => {
            const scope = globalThis as unknown as PageScope
            const keys = scope.omq.curveKeyPair()
            const security = scope.omq.curveClient({ serverKey, ...keys })
            const dealer = new scope.omq.Dealer({ linger: 0, security })
            dealer.connect(url)
            scope.kept = { dealer, events: [] }
            return keys.publicKey
          },
          server.url,
          z85Encode(serverKeys.publicKey),
        )
        const connection = await server.nextConnection()
        assert.deepEqual(connection.offered, ["ZWS2.0-CURVE"])
        const peer = new ZwsTestPeer(connection)
        const curveServer = mechanismFor(
          { mechanism: "CURVE", server: true, secretKey: serverKeys.secretKey, zap: ZAP },
          [["Socket-Type", Buffer.from("ROUTER")]],
        )
        const credentials = await peer.handshake(curveServer, () => true)
        assert.equal(z85Encode(credentials![0]!), clientPublic, "ZAP saw the page's long-term key")
        await sendFromPage(["secret", "words"])
        assert.deepEqual(text(await peer.receive()), ["secret", "words"])
        peer.send([Buffer.from("boxed reply")])
        assert.deepEqual((await pageReceives()).message, ["boxed reply"])
      },
    )

    it(
      "PLAIN: the credentials reach the server's ZAP; a refusal is handshake:error:auth",
      EACH,
      async () => {
        server = await FakeWsServer.start(() => "ZWS2.0-PLAIN")
        await pageDealer(server.url, { security: "plain" })
        for (const accept of [false, true]) {
          const connection = await server.nextConnection()
          assert.deepEqual(connection.offered, ["ZWS2.0-PLAIN"])
          const peer = new ZwsTestPeer(connection)
          const plainServer = mechanismFor({ mechanism: "PLAIN", server: true, zap: ZAP }, [
            ["Socket-Type", Buffer.from("ROUTER")],
          ])
          let credentials: string[] = []
          const handshake = peer.handshake(plainServer, (given) => {
            credentials = text(given)
            return accept
          })
          if (accept) {
            await handshake
            peer.send([Buffer.from("welcome")])
          } else {
            await assert.rejects(handshake, /ZAP handler refused: 400/)
            await connection.ended // the page drops it on the ERROR
          }
          assert.deepEqual(credentials, ["alice", "secret"])
        }
        const { message, events } = await pageReceives()
        assert.deepEqual(message, ["welcome"])
        assert.deepEqual(events, ["connect", "handshake:error:auth", "connect", "handshake"])
      },
    )
  })
})
