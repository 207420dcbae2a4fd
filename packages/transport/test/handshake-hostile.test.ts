import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import {
  type Command,
  CurveServer,
  curveKeyPairBytes,
  encodeCommand,
  encodeFrame,
  encodeGreeting,
  encodeMetadata,
  FLAG_COMMAND,
  Handshake,
  type HandshakeProgress,
  type Mechanism,
  mechanismFor,
  NullMechanism,
  PlainMechanism,
  parseCommand,
  parseMetadata,
  type ZapPolicy,
} from "../src/zmtp/mod.js"
import { HandmadeCurveClient, type Welcome } from "./helpers/curve-peer.js"
import { concat, framesIn, zmtpError } from "./helpers/handshake-pump.js"

/**
 * What a hostile or broken peer can send during the handshake. Every case must end in a
 * ZmtpError naming the rule broken (libzmq's ZMQ_PROTOCOL_ERROR_* as zeromq.js names them), and
 * a declared size must be refused from its header, before its body is held.
 */

const text = (s: string) => new TextEncoder().encode(s)
const props = (type: string): [string, Uint8Array][] => [["Socket-Type", text(type)]]
const NO_ZAP: ZapPolicy = { domain: false, enforce: false }
const serverKeys = curveKeyPairBytes()
const clientKeys = curveKeyPairBytes()

/** One handshake per role, and the greeting its peer would send. */
const ROLES: { name: string; make: () => Mechanism; peerGreeting: Uint8Array }[] = [
  {
    name: "NULL",
    make: () => new NullMechanism(props("PULL")),
    peerGreeting: encodeGreeting("NULL", false),
  },
  {
    name: "PLAIN server",
    make: () => new PlainMechanism(props("REP"), null),
    peerGreeting: encodeGreeting("PLAIN", false),
  },
  {
    name: "PLAIN client",
    make: () => new PlainMechanism(props("REQ"), { username: text("u"), password: text("p") }),
    peerGreeting: encodeGreeting("PLAIN", true),
  },
  {
    name: "CURVE server",
    make: () => new CurveServer(props("ROUTER"), serverKeys.secretKey, NO_ZAP),
    peerGreeting: encodeGreeting("CURVE", false),
  },
  {
    name: "CURVE client",
    make: () =>
      mechanismFor(
        {
          mechanism: "CURVE",
          server: false,
          serverKey: serverKeys.publicKey,
          ...clientKeys,
        },
        props("DEALER"),
      ),
    peerGreeting: encodeGreeting("CURVE", true),
  },
]

/** A handshake that has read its peer's greeting. */
function afterGreeting(make: () => Mechanism, peerGreeting: Uint8Array): Handshake {
  const hs = new Handshake(make())
  hs.start()
  hs.push(peerGreeting)
  return hs
}

/** The one command a progress sends. */
function sentCommand(progress: HandshakeProgress): Command {
  const frames = framesIn(concat(progress.send))
  assert.equal(frames.length, 1, "one command sent")
  return parseCommand(frames[0]!.body)
}

/** A 9-byte LONG command header declaring `size` (a bigint: sizes up to 2^64 - 1). */
function longCommandHeader(size: bigint): Uint8Array {
  const header = new Uint8Array(9)
  header[0] = FLAG_COMMAND | 0x02
  new DataView(header.buffer).setBigUint64(1, size)
  return header
}

/** Pushes bytes one at a time: all but the last must be taken quietly, the last must throw. */
function refusedAtLastByte(hs: Handshake, bytes: Uint8Array, expected: (err: unknown) => true) {
  for (let i = 0; i < bytes.byteLength - 1; i++) {
    const progress = hs.push(bytes.subarray(i, i + 1))
    assert.deepEqual(progress.send, [], `nothing sent after byte ${i}`)
  }
  assert.throws(() => hs.push(bytes.subarray(bytes.byteLength - 1)), expected)
}

describe("hostile greetings and framing", () => {
  it("a greeting for another mechanism is ERR_ZMTP_MECHANISM_MISMATCH", () => {
    for (const role of ROLES) {
      for (const peer of ["NULL", "PLAIN", "CURVE"]) {
        if (role.name.startsWith(peer)) continue
        const hs = new Handshake(role.make())
        hs.start()
        assert.throws(
          () => hs.push(encodeGreeting(peer, !role.make().asServer)),
          zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_MECHANISM_MISMATCH" }),
          `${role.name} ← ${peer}`,
        )
      }
    }
  })

  it("a bad signature or a ZMTP major below 3 is EPROTO", () => {
    const badSignature = encodeGreeting("NULL", false)
    badSignature[0] = 0x00
    const oldMajor = encodeGreeting("NULL", false)
    oldMajor[10] = 2
    for (const greeting of [badSignature, oldMajor]) {
      const hs = new Handshake(new NullMechanism(props("PULL")))
      hs.start()
      assert.throws(() => hs.push(greeting), zmtpError({ code: "EPROTO" }))
    }
    // The signature is judged as soon as its 10 bytes are in, not at byte 64.
    const hs = new Handshake(new NullMechanism(props("PULL")))
    hs.start()
    assert.throws(() => hs.push(badSignature.subarray(0, 10)), zmtpError({ code: "EPROTO" }))
  })

  it("a command declaring 4 GiB (or 2^64 - 1) is refused at its 9th header byte, in every role", () => {
    const before = process.memoryUsage().arrayBuffers
    for (const role of ROLES) {
      for (const size of [2n ** 32n, 2n ** 64n - 1n, 2n ** 53n]) {
        const hs = afterGreeting(role.make, role.peerGreeting)
        refusedAtLastByte(
          hs,
          longCommandHeader(size),
          zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED" }),
        )
      }
    }
    // Nothing near the declared size was taken (the 30 handshakes' own buffers are tiny).
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024)
  })

  it("a data frame before the handshake is done is ERR_ZMTP_UNEXPECTED_COMMAND, in every role", () => {
    for (const role of ROLES) {
      for (const flags of [0x00, 0x01, 0x02]) {
        const hs = afterGreeting(role.make, role.peerGreeting)
        // MORE, and a LONG data frame (its 9-byte header is enough).
        const frame =
          flags === 0x02
            ? Uint8Array.of(0x02, 0, 0, 0, 0, 0, 0, 1, 44)
            : Uint8Array.of(flags, 3, 1, 2, 3)
        assert.throws(
          () => hs.push(frame),
          zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_UNEXPECTED_COMMAND" }),
          `${role.name}, flags ${flags}`,
        )
      }
    }
  })

  it("a command out of turn is ERR_ZMTP_UNEXPECTED_COMMAND", () => {
    const cases: [string, Uint8Array][] = [
      ["PLAIN server", encodeCommand("INITIATE", encodeMetadata(props("REQ")))],
      ["PLAIN client", encodeCommand("READY", encodeMetadata(props("REP")))],
      ["CURVE server", encodeCommand("INITIATE", new Uint8Array(100))],
      ["CURVE client", encodeCommand("READY", new Uint8Array(40))],
      ["NULL", encodeCommand("HELLO", new Uint8Array(2))],
    ]
    for (const [name, frame] of cases) {
      const role = ROLES.find((r) => r.name === name)!
      const hs = afterGreeting(role.make, role.peerGreeting)
      assert.throws(
        () => hs.push(frame),
        zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_UNEXPECTED_COMMAND" }),
        name,
      )
    }
  })
})

describe("hostile PLAIN HELLO", () => {
  const plainServer = () =>
    afterGreeting(() => new PlainMechanism(props("REP"), null), encodeGreeting("PLAIN", false))

  it("length bytes that disagree with the data are ERR_ZMTP_MALFORMED_COMMAND_HELLO", () => {
    const malformed = [
      new Uint8Array(0), // no username length
      Uint8Array.of(10, 0x61, 0x62, 0), // username length past the data
      Uint8Array.of(255), // the same, at the limit
      Uint8Array.of(1, 0x61), // no password length
      Uint8Array.of(1, 0x61, 5, 0x70), // password length past the data
      Uint8Array.of(1, 0x61, 1, 0x70, 0x71), // a byte after the password
    ]
    for (const data of malformed) {
      assert.throws(
        () => plainServer().push(encodeCommand("HELLO", data)),
        zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_MALFORMED_COMMAND_HELLO" }),
        `HELLO ${[...data]}`,
      )
    }
  })

  it("a HELLO over 518 bytes is refused from its header; 518 (two 255-byte fields) is read", () => {
    const header = longCommandHeader(519n)
    refusedAtLastByte(
      plainServer(),
      header,
      zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED" }),
    )

    const username = new Uint8Array(255).fill(0x75)
    const password = new Uint8Array(255).fill(0x70)
    const data = concat([Uint8Array.of(255), username, Uint8Array.of(255), password])
    const frame = encodeCommand("HELLO", data)
    assert.equal(frame.byteLength, 9 + 518)
    const progress = plainServer().push(frame)
    assert.deepEqual(progress.zap, { mechanism: "PLAIN", credentials: [username, password] })
  })
})

describe("hostile CURVE HELLO", () => {
  const curveServer = (zap: ZapPolicy = NO_ZAP) =>
    afterGreeting(
      () => new CurveServer(props("ROUTER"), serverKeys.secretKey, zap),
      encodeGreeting("CURVE", false),
    )

  it("a HELLO of 199 bytes is malformed; one of 201 is refused from its 2-byte header", () => {
    const hello = new HandmadeCurveClient(serverKeys.publicKey).helloData()
    assert.throws(
      () => curveServer().push(encodeCommand("HELLO", hello.subarray(0, hello.byteLength - 1))),
      zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_MALFORMED_COMMAND_HELLO" }),
    )
    const long = encodeCommand("HELLO", concat([hello, Uint8Array.of(0)]))
    assert.equal(long[1], 201)
    // libzmq names this one MALFORMED_COMMAND_HELLO too; omq refuses it by size first.
    assert.throws(
      () => curveServer().push(long.subarray(0, 2)),
      (err: unknown) => {
        zmtpError({ code: "EPROTO" })(err)
        assert.match(
          String((err as { protocolError: unknown }).protocolError),
          /^ERR_ZMTP_MALFORMED_COMMAND_/,
        )
        return true
      },
    )
    // The control: exactly 200 bytes gets a WELCOME.
    assert.equal(sentCommand(curveServer().push(encodeCommand("HELLO", hello))).name, "WELCOME")
  })

  it("a HELLO of another version is ERR_ZMTP_MALFORMED_COMMAND_HELLO", () => {
    for (const version of [
      [2, 0],
      [1, 1],
      [0, 0],
    ] as const) {
      const hello = new HandmadeCurveClient(serverKeys.publicKey).helloData(version)
      assert.throws(
        () => curveServer().push(encodeCommand("HELLO", hello)),
        zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_MALFORMED_COMMAND_HELLO" }),
        `version ${version}`,
      )
    }
  })

  it("one flipped byte in C', the nonce or the box is ERR_ZMTP_CRYPTOGRAPHIC", () => {
    const hello = new HandmadeCurveClient(serverKeys.publicKey).helloData()
    for (let at = 74; at < hello.byteLength; at++) {
      const tampered = hello.slice()
      tampered[at]! ^= 0x01 << (at % 8)
      assert.throws(
        () => curveServer().push(encodeCommand("HELLO", tampered)),
        zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_CRYPTOGRAPHIC" }),
        `byte ${at}`,
      )
    }
  })

  it("a HELLO under another server key is ERR_ZMTP_CRYPTOGRAPHIC", () => {
    const hello = new HandmadeCurveClient(curveKeyPairBytes().publicKey).helloData()
    assert.throws(
      () => curveServer().push(encodeCommand("HELLO", hello)),
      zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_CRYPTOGRAPHIC" }),
    )
  })
})

describe("hostile CURVE INITIATE", () => {
  /** A CURVE server that has answered a hand-made client's HELLO. */
  function welcomed(zap: ZapPolicy = NO_ZAP): {
    hs: Handshake
    client: HandmadeCurveClient
    welcome: Welcome
  } {
    const hs = afterGreeting(
      () => new CurveServer(props("ROUTER"), serverKeys.secretKey, zap),
      encodeGreeting("CURVE", false),
    )
    const client = new HandmadeCurveClient(serverKeys.publicKey, clientKeys)
    const welcome = sentCommand(hs.push(encodeCommand("HELLO", client.helloData())))
    assert.equal(welcome.name, "WELCOME")
    return { hs, client, welcome: client.welcome(welcome.data) }
  }

  it("the hand-made client's own steps complete the handshake (the control for what follows)", () => {
    const { hs, client, welcome } = welcomed()
    const initiate = client.initiateData(welcome, { metadata: encodeMetadata(props("DEALER")) })
    const asked = hs.push(encodeCommand("INITIATE", initiate))
    assert.deepEqual(asked.zap, { mechanism: "CURVE", credentials: [clientKeys.publicKey] })
    const progress = hs.zapAnswer(null)
    assert.equal(new TextDecoder().decode(progress.done?.peer.get("socket-type")), "DEALER")
    const ready = sentCommand(progress)
    assert.equal(ready.name, "READY")
    const metadata = parseMetadata(client.ready(welcome, ready.data))
    assert.equal(new TextDecoder().decode(metadata.get("socket-type")), "ROUTER")
    const serverCipher = progress.done!.cipher!
    const clientCipher = client.cipher(welcome)
    assert.deepEqual(serverCipher.open(clientCipher.seal(1, text("hi"))).body, text("hi"))
    assert.deepEqual(clientCipher.open(serverCipher.seal(2, text("yo"))).flags, 2)
  })

  it("a cookie with one flipped byte, or another connection's cookie, is ERR_ZMTP_CRYPTOGRAPHIC", () => {
    const first = welcomed()
    for (const at of [0, 15, 16, 50, 95]) {
      const { hs, client, welcome } = welcomed()
      const cookie = welcome.cookie.slice()
      cookie[at]! ^= 0x80
      assert.throws(
        () => hs.push(encodeCommand("INITIATE", client.initiateData(welcome, { cookie }))),
        zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_CRYPTOGRAPHIC" }),
        `cookie byte ${at}`,
      )
    }
    const { hs, client, welcome } = welcomed()
    const initiate = client.initiateData(welcome, { cookie: first.welcome.cookie })
    assert.throws(
      () => hs.push(encodeCommand("INITIATE", initiate)),
      zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_CRYPTOGRAPHIC" }),
    )
  })

  it("a tampered INITIATE box is ERR_ZMTP_CRYPTOGRAPHIC", () => {
    const { hs, client, welcome } = welcomed()
    assert.throws(
      () => hs.push(encodeCommand("INITIATE", client.initiateData(welcome, { tamperBox: true }))),
      zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_CRYPTOGRAPHIC" }),
    )
  })

  it("an INITIATE nonce not above HELLO's is ERR_ZMTP_INVALID_SEQUENCE", () => {
    for (const nonce of [0n, 1n]) {
      const { hs, client, welcome } = welcomed()
      assert.throws(
        () => hs.push(encodeCommand("INITIATE", client.initiateData(welcome, { nonce }))),
        zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_INVALID_SEQUENCE" }),
        `nonce ${nonce}`,
      )
    }
  })

  it("a vouch for another server key or another transient key is ERR_ZMTP_KEY_EXCHANGE", () => {
    const other = curveKeyPairBytes().publicKey
    for (const options of [{ vouchServer: other }, { vouchTransient: other }]) {
      const { hs, client, welcome } = welcomed()
      assert.throws(
        () => hs.push(encodeCommand("INITIATE", client.initiateData(welcome, options))),
        zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_KEY_EXCHANGE" }),
        Object.keys(options)[0],
      )
    }
  })

  it("a vouch sealed by a key other than the one INITIATE names is ERR_ZMTP_CRYPTOGRAPHIC", () => {
    // A client that names clientKeys but signs the vouch with another long-term key.
    const impostor = new HandmadeCurveClient(serverKeys.publicKey, {
      publicKey: clientKeys.publicKey,
      secretKey: curveKeyPairBytes().secretKey,
    })
    const hs = afterGreeting(
      () => new CurveServer(props("ROUTER"), serverKeys.secretKey, NO_ZAP),
      encodeGreeting("CURVE", false),
    )
    const hello = encodeCommand("HELLO", impostor.helloData())
    const welcome = impostor.welcome(sentCommand(hs.push(hello)).data)
    assert.throws(
      () => hs.push(encodeCommand("INITIATE", impostor.initiateData(welcome))),
      zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_CRYPTOGRAPHIC" }),
    )
  })

  it("an INITIATE shorter than its fixed part is ERR_ZMTP_MALFORMED_COMMAND_INITIATE", () => {
    const { hs, client, welcome } = welcomed()
    const initiate = client.initiateData(welcome)
    assert.throws(
      () => hs.push(encodeCommand("INITIATE", initiate.subarray(0, 247))),
      zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_MALFORMED_COMMAND_INITIATE" }),
    )
  })

  it("bytes that follow INITIATE are returned as `rest` whether or not ZAP was asked", () => {
    for (const zap of [
      { domain: false, enforce: true },
      { domain: false, enforce: false },
    ]) {
      const { hs, client, welcome } = welcomed(zap)
      const cipher = client.cipher(welcome)
      const message = encodeFrame(cipher.seal(0, text("early")), 0)
      let progress = hs.push(
        concat([encodeCommand("INITIATE", client.initiateData(welcome)), message]),
      )
      if (progress.zap) progress = hs.zapAnswer(null)
      assert.ok(progress.done, `done (${JSON.stringify(zap)})`)
      assert.deepEqual(progress.rest, message, `rest (${JSON.stringify(zap)})`)
    }
  })
})

describe("hostile CURVE MESSAGE", () => {
  /** Both ciphers of a finished handshake (hand-made client, CurveServer). */
  function ciphers() {
    const hs = afterGreeting(
      () =>
        new CurveServer(props("ROUTER"), serverKeys.secretKey, { domain: false, enforce: true }),
      encodeGreeting("CURVE", false),
    )
    const client = new HandmadeCurveClient(serverKeys.publicKey, clientKeys)
    const welcome = client.welcome(
      sentCommand(hs.push(encodeCommand("HELLO", client.helloData()))).data,
    )
    const progress = hs.push(encodeCommand("INITIATE", client.initiateData(welcome)))
    assert.ok(progress.done?.cipher)
    return { server: progress.done.cipher, client: client.cipher(welcome) }
  }
  const sequence = zmtpError({ code: "EPROTO", protocolError: "ERR_ZMTP_INVALID_SEQUENCE" })

  it("a replayed MESSAGE is ERR_ZMTP_INVALID_SEQUENCE", () => {
    const { server, client } = ciphers()
    const box = client.seal(0, text("once"))
    assert.deepEqual(server.open(box).body, text("once"))
    assert.throws(() => server.open(box), sequence)
  })

  it("a decreasing nonce is ERR_ZMTP_INVALID_SEQUENCE; a skipped one is allowed", () => {
    const { server, client } = ciphers()
    const boxes = [0, 1, 2].map((i) => client.seal(0, Uint8Array.of(i)))
    assert.deepEqual(server.open(boxes[0]!).body, Uint8Array.of(0))
    assert.deepEqual(server.open(boxes[2]!).body, Uint8Array.of(2))
    assert.throws(() => server.open(boxes[1]!), sequence)
  })

  it("a forged MESSAGE with a high nonce is refused and does not move the counter", () => {
    const { server, client } = ciphers()
    const forged = client.seal(0, text("forged")).slice()
    new DataView(forged.buffer).setBigUint64(8, 1000n) // the nonce, after "\x07MESSAGE"
    assert.throws(() => server.open(forged), zmtpError({ protocolError: "ERR_ZMTP_CRYPTOGRAPHIC" }))
    assert.deepEqual(server.open(client.seal(0, text("next"))).body, text("next"))
  })

  it("a frame that is no MESSAGE, or too short to hold one, is refused", () => {
    const { server } = ciphers()
    assert.throws(
      () => server.open(encodeCommand("PING", new Uint8Array(40)).subarray(2)),
      zmtpError({ protocolError: "ERR_ZMTP_UNEXPECTED_COMMAND" }),
    )
    const short = concat([Uint8Array.of(7), text("MESSAGE"), new Uint8Array(8 + 16)])
    assert.throws(
      () => server.open(short),
      zmtpError({ protocolError: "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE" }),
    )
  })
})
