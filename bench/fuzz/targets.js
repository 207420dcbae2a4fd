// What the fuzzer attacks (bench/fuzz/fuzz.js): the frame decoder, a Handshake in each
// mechanism and role, and the CURVE MESSAGE cipher. Each `run` builds one input from its own
// seeded generator, feeds it the way an engine would (cut into chunks, ZAP answered, what
// follows the handshake decoded and opened), and returns how it ended; a throw is judged by
// the caller (ZmtpError: rejected; anything else: a crash).
import {
  CurveCipher,
  encodeFrame,
  encodeGreeting,
  FLAG_COMMAND,
  FrameDecoder,
  Handshake,
  mechanismFor,
  parseCommand,
  parseError,
  parsePing,
  randomBytes,
} from "@omq/transport/zmtp"
import {
  HostileCurveClient,
  HostileCurveServer,
  hostileMessages,
  hostileMetadata,
} from "./curve-peers.js"
import { chop, concat, mutate } from "./mutate.js"
import { buildCorpus, CURVE_CLIENT, CURVE_SERVER, propsFor, SECURITY } from "./transcripts.js"

const text = (s) => new TextEncoder().encode(s)
const MAX_AFTER = 1 << 20

/** A ZAP handler's answer: mostly 200, sometimes a refusal, no handler, or a status to doubt. */
function zapAnswer(rng) {
  const r = rng.next()
  if (r < 0.1) return null
  const status = r < 0.75 ? "200" : rng.pick(["300", "400", "500", "999", "", "20"])
  return { status, text: "fuzz", userId: rng.bytes(rng.int(8)), metadata: new Map() }
}

const zapPolicy = (rng) => ({ domain: rng.chance(0.5), enforce: rng.chance(0.2) })

/**
 * Feeds a Handshake as the engine does: chunk by chunk, answering ZAP, and keeping what comes
 * after the handshake for the message path.
 */
class Feeder {
  constructor(mechanism, rng, io) {
    this.hs = new Handshake(mechanism)
    this.rng = rng
    this.io = io
    this.done = null
    this.after = []
    this.refused = false
    this.hs.start()
  }

  /** Pushes `bytes`; returns the frames the handshake wrote meanwhile. */
  push(bytes) {
    const sent = []
    for (const chunk of chop(bytes, this.rng)) {
      if (this.refused) break
      this.io.push(chunk)
      if (this.done) {
        this.after.push(chunk)
        continue
      }
      let progress = this.hs.push(chunk)
      sent.push(...progress.send)
      while (progress.zap) {
        progress = this.hs.zapAnswer(zapAnswer(this.rng))
        sent.push(...progress.send)
      }
      if (progress.failure) this.refused = true
      else if (progress.done) {
        this.done = progress.done
        if (progress.rest) this.after.push(progress.rest)
      }
    }
    return sent
  }

  /** Runs what followed the handshake through the message path; returns the outcome. */
  finish() {
    if (this.refused) return "refused"
    if (!this.done) return "incomplete"
    const cipher = this.done.cipher
    const decoder = new FrameDecoder(
      {
        onFrame: (flags, body) => {
          if (cipher) {
            const opened = cipher.open(body)
            if (opened.flags & 2) command(opened.body)
          } else if (flags & FLAG_COMMAND) command(body)
        },
      },
      MAX_AFTER,
    )
    for (const chunk of this.after) decoder.push(chunk)
    return "accepted"
  }
}

/** What the engine does with a command after the handshake. */
function command(body) {
  const { name, data } = parseCommand(body)
  if (name === "PING") parsePing(data)
  else if (name === "ERROR") parseError(data)
}

/** The command frames in what a handshake wrote. */
function commandsIn(sent) {
  const commands = []
  new FrameDecoder({ onFrame: (_flags, body) => commands.push(parseCommand(body)) }).push(
    concat(sent),
  )
  return commands
}

/** A greeting for `mechanism`, usually canonical, sometimes with odd versions and padding. */
function greeting(rng, mechanism, asServer) {
  const bytes = encodeGreeting(mechanism, asServer)
  if (rng.chance(0.2)) {
    for (let i = 1; i < 9; i++) bytes[i] = rng.int(256) // libzmq's ZMTP 1.0 length lives here
    bytes[10] = rng.pick([3, 3, 4, 255])
    bytes[11] = rng.int(256)
    bytes[32] = rng.int(3)
    for (let i = 33; i < 64; i++) if (rng.chance(0.1)) bytes[i] = rng.int(256)
  }
  return bytes
}

const NAMES = [
  "READY",
  "HELLO",
  "WELCOME",
  "INITIATE",
  "ERROR",
  "PING",
  "PONG",
  "MESSAGE",
  "SUBSCRIBE",
  "CANCEL",
  "JOIN",
]

/** A command frame (or now and then a data frame) with contents shaped to reach each parser. */
function randomFrame(rng) {
  let body
  if (rng.chance(0.1)) body = rng.bytes(rng.length(300))
  else {
    const name = rng.chance(0.9)
      ? rng.pick(NAMES)
      : String.fromCharCode(...rng.bytes(rng.range(1, 8)))
    const r = rng.next()
    let data
    if (r < 0.3) data = hostileMetadata(rng)
    else if (r < 0.45) {
      const user = rng.bytes(rng.length(255))
      const pass = rng.bytes(rng.length(255))
      data = concat([
        Uint8Array.of(rng.chance(0.8) ? user.byteLength : rng.int(256)),
        user,
        Uint8Array.of(pass.byteLength),
        pass,
      ])
    } else if (r < 0.55) {
      data = concat([Uint8Array.of(rng.int(6)), text(rng.pick(["400", "500", "denied", ""]))])
    } else if (r < 0.7) data = rng.bytes(rng.pick([194, 193, 195, 160, 248, 300, 24, 40]))
    else data = rng.bytes(rng.length(600))
    const nameBytes = Uint8Array.from(name, (c) => c.charCodeAt(0) & 0xff)
    body = concat([Uint8Array.of(nameBytes.byteLength), nameBytes, data])
    if (rng.chance(0.05)) body = concat([Uint8Array.of(0x5e, 0x52, 0x52, 0x4f, 0x52), data]) // "^RROR"
  }
  const isCommand = rng.chance(0.9)
  let flags = isCommand ? FLAG_COMMAND : rng.int(2)
  if (rng.chance(0.05)) flags |= rng.int(256) & 0xf8 // reserved bits, ignored on receive
  if (body.byteLength <= 255 && rng.chance(0.9))
    return concat([Uint8Array.of(flags, body.byteLength), body])
  const header = new Uint8Array(9)
  header[0] = flags | 0x02
  new DataView(header.buffer).setBigUint64(1, BigInt(body.byteLength))
  return concat([header, body])
}

/** One handshake input: a mutated transcript, random frames or random bytes after a greeting. */
function handshakeInput(rng, transcripts, corpus, mechanism, peerAsServer) {
  const r = rng.next()
  if (r < 0.6) return mutate(rng.pick(transcripts), rng, corpus)
  if (r < 0.85) {
    const frames = Array.from({ length: rng.range(1, 6) }, () => randomFrame(rng))
    return concat([greeting(rng, mechanism, peerAsServer), ...frames])
  }
  if (r < 0.95) return concat([greeting(rng, mechanism, peerAsServer), rng.bytes(rng.length(1024))])
  return rng.bytes(rng.length(1024))
}

/** A stream of valid frames, some large. */
function frameStream(rng) {
  const frames = []
  for (let i = rng.range(0, 10); i > 0; i--) {
    const flags = rng.pick([0, 1, FLAG_COMMAND])
    const size = rng.chance(0.03) ? rng.int(70_001) : rng.length(600)
    frames.push(encodeFrame(rng.bytes(size), flags))
  }
  return concat(frames)
}

/** Frames with any flags byte and declared sizes up to 2^64 - 1, whatever follows. */
function hostileHeaders(rng) {
  const parts = []
  for (let i = rng.range(1, 6); i > 0; i--) {
    const flags = rng.int(256)
    if (flags & 0x02) {
      const header = new Uint8Array(9)
      header[0] = flags
      const size = rng.chance(0.5)
        ? rng.pick([
            255n,
            256n,
            4097n,
            65537n,
            2n ** 32n,
            2n ** 53n - 1n,
            2n ** 53n,
            2n ** 64n - 1n,
          ])
        : BigInt(rng.int(2 ** 31)) * BigInt(rng.int(2 ** 31) + 1)
      new DataView(header.buffer).setBigUint64(1, BigInt.asUintN(64, size))
      parts.push(header)
    } else parts.push(Uint8Array.of(flags, rng.int(256)))
    parts.push(rng.bytes(rng.length(300)))
  }
  return concat(parts)
}

/** Builds the targets; `corpus` holds the recorded transcripts. */
export function makeTargets() {
  const corpus = buildCorpus()
  const all = Object.values(corpus).flatMap((list) => list.flatMap((t) => [t.toServer, t.toClient]))
  const toServer = (m) => corpus[m].map((t) => t.toServer)
  const toClient = (m) => corpus[m].map((t) => t.toClient)
  const props = propsFor("ROUTER")
  let hostileClient = null
  let hostileServer = null
  const cipherKey = randomBytes(32)

  return [
    {
      name: "FrameDecoder",
      share: 0.4,
      run(rng, io) {
        const max = rng.pick([0, 255, 4096, 65536, 1 << 20])
        const streamFrom = rng.chance(0.3) ? rng.range(1, 5000) : Number.POSITIVE_INFINITY
        const check = (size) => {
          if (size > max) throw new Error(`a frame of ${size} bytes passed maxMessageSize ${max}`)
        }
        const sink = {
          onFrame: (_flags, body) => check(body.byteLength),
          onFrameStart: (_flags, size) => check(size),
          onFrameData: () => {},
        }
        const allocate = (size) => {
          if (size > max) throw new Error(`allocate(${size}) above maxMessageSize ${max}`)
          return new Uint8Array(size)
        }
        const decoder = new FrameDecoder(sink, max, streamFrom, allocate)
        const r = rng.next()
        const input =
          r < 0.5
            ? mutate(frameStream(rng), rng, all)
            : r < 0.8
              ? hostileHeaders(rng)
              : rng.bytes(rng.length(4096))
        for (const chunk of chop(input, rng)) {
          io.push(chunk)
          decoder.push(chunk)
        }
        return "accepted"
      },
    },
    {
      name: "NULL",
      share: 0.25,
      run(rng, io) {
        const security = { mechanism: "NULL", zap: zapPolicy(rng) }
        const feeder = new Feeder(mechanismFor(security, props), rng, io)
        feeder.push(handshakeInput(rng, toServer("NULL"), all, "NULL", false))
        return feeder.finish()
      },
    },
    {
      name: "PLAIN server",
      share: 0.15,
      run(rng, io) {
        const feeder = new Feeder(mechanismFor(SECURITY.PLAIN_SERVER(), props), rng, io)
        feeder.push(handshakeInput(rng, toServer("PLAIN"), all, "PLAIN", false))
        return feeder.finish()
      },
    },
    {
      name: "PLAIN client",
      share: 0.1,
      run(rng, io) {
        const feeder = new Feeder(
          mechanismFor(SECURITY.PLAIN_CLIENT(), propsFor("DEALER")),
          rng,
          io,
        )
        feeder.push(handshakeInput(rng, toClient("PLAIN"), all, "PLAIN", true))
        return feeder.finish()
      },
    },
    {
      name: "CURVE MESSAGE",
      share: 0.09,
      run(rng, io) {
        // One connection's two ends, fresh counters (client sends from 3, server saw 2).
        const sender = new CurveCipher(cipherKey, false, 3n, 1n)
        const receiver = new CurveCipher(cipherKey, true, 2n, 2n)
        let frames = hostileMessages(rng, sender)
        if (rng.chance(0.3)) frames = [mutate(concat(frames), rng, all)]
        const decoder = new FrameDecoder(
          {
            onFrame: (_flags, box) => {
              const opened = receiver.open(box)
              if (opened.flags & 2) command(opened.body)
            },
          },
          MAX_AFTER,
        )
        for (const chunk of chop(concat(frames), rng)) {
          io.push(chunk)
          decoder.push(chunk)
        }
        return "accepted"
      },
    },
    {
      name: "CURVE server",
      share: 0.005,
      run(rng, io) {
        const security = SECURITY.CURVE_SERVER(zapPolicy(rng))
        const feeder = new Feeder(mechanismFor(security, props), rng, io)
        if (rng.chance(0.5)) {
          feeder.push(handshakeInput(rng, toServer("CURVE"), all, "CURVE", false))
          return feeder.finish()
        }
        // A client whose boxes open, with hostile contents inside them.
        hostileClient ??= new HostileCurveClient(CURVE_SERVER.publicKey, CURVE_CLIENT)
        feeder.push(hostileClient.greeting())
        const hello = hostileClient.hello(rng)
        const welcome = commandsIn(feeder.push(hello.frame)).find((c) => c.name === "WELCOME")
        if (!welcome) return feeder.finish()
        const initiate = hostileClient.initiate(rng, welcome.data, hello.nonce)
        if (!initiate) throw new Error("the server's WELCOME does not open")
        feeder.push(initiate.frame)
        if (feeder.done) {
          const cipher = hostileClient.cipher(initiate.session, initiate.nonce)
          for (const frame of hostileMessages(rng, cipher)) feeder.push(frame)
        }
        return feeder.finish()
      },
    },
    {
      name: "CURVE client",
      share: 0.005,
      run(rng, io) {
        const feeder = new Feeder(
          mechanismFor(SECURITY.CURVE_CLIENT(), propsFor("DEALER")),
          rng,
          io,
        )
        if (rng.chance(0.5)) {
          feeder.push(handshakeInput(rng, toClient("CURVE"), all, "CURVE", true))
          return feeder.finish()
        }
        // A server whose boxes open, with hostile contents inside them.
        hostileServer ??= new HostileCurveServer(CURVE_SERVER)
        const sent = feeder.push(hostileServer.greeting())
        const hello = commandsIn(sent).find((c) => c.name === "HELLO")
        if (hello?.data.byteLength !== 194) throw new Error("the client sent no HELLO")
        feeder.push(hostileServer.welcome(rng, hello.data))
        const ready = hostileServer.ready(rng)
        feeder.push(ready.frame)
        if (feeder.done) {
          const cipher = hostileServer.cipher(ready.session, ready.nonce)
          for (const frame of hostileMessages(rng, cipher)) feeder.push(frame)
        }
        return feeder.finish()
      },
    },
  ]
}
