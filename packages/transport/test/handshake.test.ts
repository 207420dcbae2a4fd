import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import fc from "fast-check"
import {
  curveKeyPairBytes,
  encodeError,
  encodeFrame,
  encodeGreeting,
  encodePing,
  encodeReady,
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  Handshake,
  type HandshakeResult,
  type MessageCipher,
  mechanismFor,
  NULL_SECURITY,
  type Security,
  type ZapAnswer,
  type ZapPolicy,
  type ZapQuery,
} from "../src/zmtp/mod.js"
import { encodeLibzmqPlainError } from "../src/zmtp/peer-refusal.js"
import {
  concat,
  converse,
  cycling,
  framesIn,
  type Outcome,
  type Party,
  whole,
  zmtpError,
} from "./helpers/handshake-pump.js"

const text = (s: string) => new TextEncoder().encode(s)
const ascii = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes)

/** fast-check runs: seeded, so a failure names a chunking that can be replayed. */
const FC = { seed: 42, numRuns: 40 }
/** CURVE runs cost ~10 X25519 multiplications each. */
const FC_CURVE = { seed: 42, numRuns: 25 }

/** Chunk sizes used in turn: [1] is byte by byte, [1e9] one chunk, else random cuts. */
const chunkSizes = fc.oneof(
  fc.constant([1]),
  fc.constant([1e9]),
  fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 12 }),
)

const props = (type: string, identity?: string): [string, Uint8Array][] =>
  identity === undefined
    ? [["Socket-Type", text(type)]]
    : [
        ["Socket-Type", text(type)],
        ["Identity", text(identity)],
      ]

const ZAP_OK: ZapAnswer = { status: "200", text: "OK", userId: text("user"), metadata: new Map() }
const zapStatus = (status: string): ZapAnswer => ({ ...ZAP_OK, status, text: "no" })
const NO_ZAP: ZapPolicy = { domain: false, enforce: false }

/** MESSAGE box flag bits (MessageCipher.seal): MORE is bit 0, COMMAND bit 1. */
const SEALED_MORE = 1
const SEALED_COMMAND = 2

/** What each side writes once done: a two-part message (short, then long frames), then a PING. */
const TRAILER: { flags: number; body: Uint8Array }[] = [
  { flags: FLAG_MORE, body: text("part one") },
  { flags: 0, body: new Uint8Array(300).fill(7) },
  { flags: FLAG_COMMAND, body: encodePing(10, text("ctx")).subarray(2) },
]

const toSealed = (flags: number) =>
  (flags & FLAG_MORE ? SEALED_MORE : 0) | (flags & FLAG_COMMAND ? SEALED_COMMAND : 0)

/** A party that writes TRAILER once done, as frames or (under CURVE) as MESSAGE boxes. */
function party(
  security: Security,
  localProps: [string, Uint8Array][],
  zap?: (query: ZapQuery) => ZapAnswer | null,
): Party & { sent: Uint8Array[] } {
  const sent: Uint8Array[] = []
  const afterDone = (done: HandshakeResult): Uint8Array[] => {
    for (const { flags, body } of TRAILER) {
      const cipher = done.cipher
      sent.push(
        cipher ? encodeFrame(cipher.seal(toSealed(flags), body), 0) : encodeFrame(body, flags),
      )
    }
    return sent
  }
  const handshake = new Handshake(mechanismFor(security, localProps))
  return zap ? { handshake, zap, afterDone, sent } : { handshake, afterDone, sent }
}

function assertDone(outcome: Outcome): HandshakeResult {
  assert.equal(outcome.error, undefined, `threw: ${String(outcome.error)}`)
  assert.equal(outcome.failure, undefined, `failed: ${String(outcome.failure)}`)
  assert.ok(outcome.done, "the handshake completed")
  assert.equal(outcome.done.peerMinor, 1)
  return outcome.done
}

/** The receiver's tail holds exactly the sender's TRAILER, byte for byte, and it decodes. */
function assertTrailer(receiver: Outcome, sender: { sent: Uint8Array[] }): void {
  assert.deepEqual(receiver.tail, concat(sender.sent))
  const cipher = receiver.done!.cipher
  const frames = framesIn(receiver.tail).map((frame) =>
    cipher ? opened(cipher, frame.body) : { flags: frame.flags & ~FLAG_LONG, body: frame.body },
  )
  assert.deepEqual(frames, TRAILER)
}

function opened(cipher: MessageCipher, box: Uint8Array): { flags: number; body: Uint8Array } {
  const { flags, body } = cipher.open(box)
  const zmtpFlags =
    (flags & SEALED_MORE ? FLAG_MORE : 0) | (flags & SEALED_COMMAND ? FLAG_COMMAND : 0)
  return { flags: zmtpFlags, body: body.slice() }
}

describe("Handshake: NULL ↔ NULL", () => {
  it("completes under any chunking and hands over what follows READY exactly", () => {
    fc.assert(
      fc.property(chunkSizes, (sizes) => {
        const dealer = party(NULL_SECURITY, props("DEALER", "me"))
        const router = party(NULL_SECURITY, props("ROUTER"))
        const [d, r] = converse(dealer, router, cycling(sizes))
        assert.equal(ascii(assertDone(d).peer.get("socket-type")), "ROUTER")
        assert.equal(assertDone(d).peer.get("identity"), undefined)
        assert.equal(ascii(assertDone(r).peer.get("socket-type")), "DEALER")
        assert.equal(ascii(r.done!.peer.get("identity")), "me")
        assert.equal(d.done!.cipher, null)
        assert.equal(r.done!.cipher, null)
        assert.ok(dealer.handshake.done && router.handshake.done)
        assertTrailer(d, router)
        assertTrailer(r, dealer)
      }),
      FC,
    )
  })

  it("returns the frames that share READY's chunk as `rest`, and none after a clean cut", () => {
    const frames = TRAILER.map(({ flags, body }) => encodeFrame(body, flags))
    const server = new Handshake(mechanismFor(NULL_SECURITY, props("PULL")))
    server.start()
    const progress = server.push(
      concat([encodeGreeting("NULL", false), encodeReady(props("PUSH")), ...frames]),
    )
    assert.deepEqual(progress.send, [encodeReady(props("PULL"))])
    assert.equal(ascii(progress.done?.peer.get("socket-type")), "PUSH")
    assert.deepEqual(progress.rest, concat(frames))

    const clean = new Handshake(mechanismFor(NULL_SECURITY, props("PULL")))
    clean.start()
    const cut = clean.push(concat([encodeGreeting("NULL", false), encodeReady(props("PUSH"))]))
    assert.ok(cut.done)
    assert.equal(cut.rest, undefined)
  })

  it("reports the peer's minor version: 0 for ZMTP 3.0, 1 for 3.1 and any later major", () => {
    for (const [major, minor, expected] of [
      [3, 0, 0],
      [3, 1, 1],
      [4, 0, 1],
    ] as const) {
      const greeting = encodeGreeting("NULL", false)
      greeting[10] = major
      greeting[11] = minor
      const hs = new Handshake(mechanismFor(NULL_SECURITY, props("PULL")))
      hs.start()
      const progress = hs.push(concat([greeting, encodeReady(props("PUSH"))]))
      assert.equal(progress.done?.peerMinor, expected, `${major}.${minor}`)
    }
  })

  it("with a zapDomain asks ZAP before READY; a refusal is an ERROR the peer sees as EACCES", () => {
    const zap: ZapPolicy = { domain: true, enforce: false }
    for (const [answer, accepted] of [
      [ZAP_OK, true],
      [null, true],
      [zapStatus("400"), false],
    ] as const) {
      const server = party({ mechanism: "NULL", zap }, props("PULL"), () => answer)
      const client = party(NULL_SECURITY, props("PUSH"))
      const [s, c] = converse(server, client, whole)
      assert.deepEqual(s.queries, [{ mechanism: "NULL", credentials: [] }])
      if (accepted) {
        assertDone(s)
        assertDone(c)
        continue
      }
      zmtpError({ code: "EACCES", zapStatus: 400 })(s.failure)
      assert.deepEqual(s.failureSend, [encodeError("400")])
      zmtpError({ code: "EACCES", zapStatus: 400 })(c.error)
    }
  })
})

describe("Handshake: PLAIN client ↔ server", () => {
  const clientSecurity: Security = {
    mechanism: "PLAIN",
    server: false,
    username: text("admin"),
    password: text("secret"),
  }
  const serverSecurity: Security = { mechanism: "PLAIN", server: true, zap: NO_ZAP }

  it("completes with ZAP 200 under any chunking, asking with username and password", () => {
    fc.assert(
      fc.property(chunkSizes, (sizes) => {
        const client = party(clientSecurity, props("REQ", ""))
        const server = party(serverSecurity, props("REP"), () => ZAP_OK)
        const [c, s] = converse(client, server, cycling(sizes))
        assert.deepEqual(s.queries, [
          { mechanism: "PLAIN", credentials: [text("admin"), text("secret")] },
        ])
        assert.equal(ascii(assertDone(c).peer.get("socket-type")), "REP")
        assert.equal(ascii(assertDone(s).peer.get("socket-type")), "REQ")
        assert.deepEqual(s.done!.peer.get("identity"), new Uint8Array(0))
        assert.equal(c.done!.cipher, null)
        assertTrailer(c, server)
        assertTrailer(s, client)
      }),
      FC,
    )
  })

  it("hands the client the frames that share READY's chunk as `rest`", () => {
    const client = party(clientSecurity, props("DEALER", "x"))
    const server = party(serverSecurity, props("ROUTER"), () => ZAP_OK)
    const [c] = converse(client, server, whole)
    assert.ok(c.restSeen)
    assertTrailer(c, server)
  })

  it("a ZAP refusal fails the server with its status and libzmq's ERROR; the client gets EACCES", () => {
    fc.assert(
      fc.property(chunkSizes, fc.constantFrom("300", "400", "500"), (sizes, status) => {
        const code = Number(status)
        const client = party(clientSecurity, props("REQ", ""))
        const server = party(serverSecurity, props("REP"), () => zapStatus(status))
        const [c, s] = converse(client, server, cycling(sizes))
        zmtpError({ code: "EACCES", zapStatus: code })(s.failure)
        assert.deepEqual(s.failureSend, [encodeLibzmqPlainError(status)])
        zmtpError({ code: "EACCES", zapStatus: code })(c.error)
        assert.equal(c.done, undefined)
        assert.equal(s.done, undefined)
      }),
      FC,
    )
  })

  it("with no ZAP handler the server fails (EACCES, nothing sent) and the client is left waiting", () => {
    const client = party(clientSecurity, props("REQ", ""))
    const server = party(serverSecurity, props("REP"), () => null)
    const [c, s] = converse(client, server, whole)
    assert.equal(s.queries.length, 1)
    zmtpError({ code: "EACCES" })(s.failure)
    assert.equal(s.failure?.zapStatus, undefined)
    assert.deepEqual(s.failureSend, [])
    assert.equal(c.done, undefined)
    assert.equal(c.error, undefined)
  })
})

describe("Handshake: CURVE client ↔ server", () => {
  const serverKeys = curveKeyPairBytes()
  const clientKeys = curveKeyPairBytes()
  const clientSecurity: Security = {
    mechanism: "CURVE",
    server: false,
    serverKey: serverKeys.publicKey,
    publicKey: clientKeys.publicKey,
    secretKey: clientKeys.secretKey,
  }
  const serverSecurity = (zap: ZapPolicy): Security => ({
    mechanism: "CURVE",
    server: true,
    secretKey: serverKeys.secretKey,
    zap,
  })
  const curveQuery = { mechanism: "CURVE", credentials: [clientKeys.publicKey] }

  it("completes under any chunking; no ZAP handler is accepted; boxed frames follow READY", () => {
    fc.assert(
      fc.property(chunkSizes, (sizes) => {
        const client = party(clientSecurity, props("DEALER", "c"))
        const server = party(serverSecurity(NO_ZAP), props("ROUTER"), () => null)
        const [c, s] = converse(client, server, cycling(sizes))
        assert.deepEqual(s.queries, [curveQuery])
        assert.equal(ascii(assertDone(c).peer.get("socket-type")), "ROUTER")
        assert.equal(ascii(assertDone(s).peer.get("identity")), "c")
        assert.ok(c.done!.cipher && s.done!.cipher)
        assertTrailer(c, server)
        assertTrailer(s, client)
      }),
      FC_CURVE,
    )
  })

  it("hands the client the MESSAGE boxes that share READY's chunk as `rest`", () => {
    const client = party(clientSecurity, props("DEALER", "c"))
    const server = party(serverSecurity(NO_ZAP), props("ROUTER"))
    const [c] = converse(client, server, whole)
    assert.ok(c.restSeen)
    assertTrailer(c, server)
  })

  it("with a zapDomain asks ZAP with the client's public key; 200 or no handler accepts", () => {
    for (const answer of [ZAP_OK, null]) {
      const client = party(clientSecurity, props("DEALER"))
      const server = party(
        serverSecurity({ domain: true, enforce: false }),
        props("ROUTER"),
        () => answer,
      )
      const [c, s] = converse(client, server, whole)
      assert.deepEqual(s.queries, [curveQuery])
      assertDone(c)
      assertDone(s)
    }
  })

  it("zapEnforceDomain: with a domain, no handler fails; without one, ZAP is not asked", () => {
    const client = party(clientSecurity, props("DEALER"))
    const server = party(
      serverSecurity({ domain: true, enforce: true }),
      props("ROUTER"),
      () => null,
    )
    const [c, s] = converse(client, server, whole)
    zmtpError({ code: "EACCES" })(s.failure)
    assert.deepEqual(s.failureSend, [])
    assert.equal(c.done, undefined)
    assert.equal(c.error, undefined)

    // libzmq's curve_server: neither zap_required nor !zap_enforce_domain → READY, no ZAP.
    const client2 = party(clientSecurity, props("DEALER"))
    const server2 = party(serverSecurity({ domain: false, enforce: true }), props("ROUTER"), () => {
      throw new Error("ZAP must not be asked")
    })
    const [c2, s2] = converse(client2, server2, whole)
    assert.deepEqual(s2.queries, [])
    assertDone(c2)
    assertDone(s2)
  })

  it("a ZAP 400 fails the server with ERROR 400; the client throws EACCES with zapStatus 400", () => {
    const client = party(clientSecurity, props("DEALER"))
    const server = party(serverSecurity(NO_ZAP), props("ROUTER"), () => zapStatus("400"))
    const [c, s] = converse(client, server, whole)
    zmtpError({ code: "EACCES", zapStatus: 400 })(s.failure)
    assert.deepEqual(s.failureSend, [encodeError("400")])
    zmtpError({ code: "EACCES", zapStatus: 400 })(c.error)
  })

  it("the two ciphers talk both ways, keeping MORE and COMMAND", () => {
    const [c, s] = converse(
      party(clientSecurity, props("DEALER")),
      party(serverSecurity(NO_ZAP), props("ROUTER")),
      whole,
    )
    const clientCipher = assertDone(c).cipher!
    const serverCipher = assertDone(s).cipher!
    // The trailers used nonces 3..5 (client) and 2..4 (server): open them first, in order.
    for (const frame of framesIn(s.tail)) serverCipher.open(frame.body)
    for (const frame of framesIn(c.tail)) clientCipher.open(frame.body)
    for (const flags of [0, SEALED_MORE, SEALED_COMMAND, SEALED_MORE | SEALED_COMMAND]) {
      for (const size of [0, 1, 255, 300]) {
        const body = Uint8Array.from({ length: size }, (_, i) => (i * 31 + flags) & 0xff)
        const up = serverCipher.open(clientCipher.seal(flags, body))
        assert.deepEqual({ flags: up.flags, body: up.body.slice() }, { flags, body })
        const down = clientCipher.open(serverCipher.seal(flags, body))
        assert.deepEqual({ flags: down.flags, body: down.body.slice() }, { flags, body })
      }
    }
    // A box is bound to its direction: the sender's own cipher cannot open it. (Its counter,
    // 22, is past the 20 it has seen from the server, so it is the MAC that refuses.)
    assert.throws(
      () => clientCipher.open(clientCipher.seal(0, text("x"))),
      zmtpError({ protocolError: "ERR_ZMTP_CRYPTOGRAPHIC" }),
    )
  })
})
