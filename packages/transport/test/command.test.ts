import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import {
  encodeCancel,
  encodeCommand,
  encodeError,
  encodeMetadata,
  encodePing,
  encodePong,
  encodeReady,
  encodeSubscribe,
  FLAG_COMMAND,
  FrameDecoder,
  parseCommand,
  parseError,
  parseMetadata,
  parsePing,
  ZmtpError,
} from "../src/zmtp/mod.js"

const text = (s: string) => new TextEncoder().encode(s)
const str = (b: Uint8Array | undefined) => new TextDecoder().decode(b)
const isProto = (err: unknown) => err instanceof ZmtpError && err.code === "EPROTO"

/** Decodes one whole frame and checks it is a single command frame. */
function decodeCommandFrame(frame: Uint8Array) {
  const bodies: Uint8Array[] = []
  new FrameDecoder({
    onFrame: (flags, body) => {
      assert.equal(flags & FLAG_COMMAND, FLAG_COMMAND)
      bodies.push(body)
    },
  }).push(frame)
  assert.equal(bodies.length, 1)
  return parseCommand(bodies[0]!)
}

describe("commands", () => {
  it("encodes a command with a length-prefixed name", () => {
    assert.deepEqual(
      encodeCommand("PING", Uint8Array.of(0, 1)),
      Uint8Array.of(0x04, 0x07, 0x04, 0x50, 0x49, 0x4e, 0x47, 0x00, 0x01),
    )
  })

  it("round-trips through the frame decoder", () => {
    const cmd = decodeCommandFrame(encodeCommand("HELLO", text("abc")))
    assert.equal(cmd.name, "HELLO")
    assert.equal(str(cmd.data), "abc")
  })

  it("uses a long frame for big commands", () => {
    const frame = encodeCommand("MESSAGE", new Uint8Array(300))
    assert.equal(frame[0], 0x06)
    assert.equal(decodeCommandFrame(frame).data.length, 300)
  })

  it("rejects empty and truncated command bodies", () => {
    assert.throws(() => parseCommand(new Uint8Array(0)), isProto)
    assert.throws(() => parseCommand(Uint8Array.of(5, 0x52, 0x45)), isProto)
    assert.throws(() => parseCommand(Uint8Array.of(0)), isProto)
    assert.deepEqual(parseCommand(Uint8Array.of(1, 0x58)), { name: "X", data: new Uint8Array(0) })
  })

  it("round-trips ERROR and truncates long reasons to 255 bytes", () => {
    assert.equal(parseError(decodeCommandFrame(encodeError("no way")).data), "no way")
    const long = decodeCommandFrame(encodeError("x".repeat(300)))
    assert.equal(long.name, "ERROR")
    assert.equal(parseError(long.data), "x".repeat(255))
    assert.throws(() => parseError(new Uint8Array(0)), isProto)
    assert.throws(() => parseError(Uint8Array.of(3, 0x41)), isProto)
  })

  it("round-trips PING and PONG", () => {
    const ping = decodeCommandFrame(encodePing(300, text("ctx")))
    assert.equal(ping.name, "PING")
    const parsed = parsePing(ping.data)
    assert.equal(parsed.ttl, 300)
    assert.equal(str(parsed.context), "ctx")
    const pong = decodeCommandFrame(encodePong(parsed.context))
    assert.equal(pong.name, "PONG")
    assert.equal(str(pong.data), "ctx")
  })

  it("validates PING fields", () => {
    assert.throws(() => parsePing(Uint8Array.of(0)), isProto)
    assert.deepEqual(parsePing(Uint8Array.of(0xff, 0xfe)), {
      ttl: 0xfffe,
      context: new Uint8Array(0),
    })
    const long = new Uint8Array(2 + 20).fill(7)
    assert.equal(parsePing(long).context.length, 16)
    assert.throws(() => encodePing(1, new Uint8Array(17)), RangeError)
    assert.throws(() => encodePing(0x10000, new Uint8Array(0)), RangeError)
    assert.throws(() => encodePong(new Uint8Array(17)), RangeError)
  })

  it("encodes SUBSCRIBE and CANCEL", () => {
    const sub = decodeCommandFrame(encodeSubscribe(text("topic")))
    assert.deepEqual([sub.name, str(sub.data)], ["SUBSCRIBE", "topic"])
    const cancel = decodeCommandFrame(encodeCancel(new Uint8Array(0)))
    assert.deepEqual([cancel.name, cancel.data.length], ["CANCEL", 0])
  })
})

describe("metadata", () => {
  it("encodes name-len, name, 4-byte big-endian value length, value", () => {
    assert.deepEqual(
      encodeMetadata([["Ab", Uint8Array.of(9)]]),
      Uint8Array.of(2, 0x41, 0x62, 0, 0, 0, 1, 9),
    )
  })

  it("round-trips properties through READY, names lower-cased on parse", () => {
    const frame = encodeReady([
      ["Socket-Type", text("DEALER")],
      ["Identity", new Uint8Array(0)],
      ["X-Custom", new Uint8Array(300).fill(1)],
    ])
    const cmd = decodeCommandFrame(frame)
    assert.equal(cmd.name, "READY")
    const meta = parseMetadata(cmd.data)
    assert.deepEqual([...meta.keys()], ["socket-type", "identity", "x-custom"])
    assert.equal(str(meta.get("socket-type")), "DEALER")
    assert.equal(meta.get("identity")!.length, 0)
    assert.equal(meta.get("x-custom")!.length, 300)
  })

  it("sends names in exactly the given case", () => {
    const frame = encodeReady([["Socket-Type", text("PUB")]])
    assert.ok(Buffer.from(frame).includes("Socket-Type"))
  })

  it("parses mixed-case names from a peer", () => {
    const data = Uint8Array.of(
      ...[11, ...text("SOCKET-type"), 0, 0, 0, 3, ...text("SUB")],
      ...[8, ...text("iDeNtItY"), 0, 0, 0, 1, 0x41],
    )
    const meta = parseMetadata(data)
    assert.equal(str(meta.get("socket-type")), "SUB")
    assert.equal(str(meta.get("identity")), "A")
  })

  it("rejects truncation and empty names", () => {
    const good = encodeMetadata([["Name", text("value")]])
    for (let cut = 1; cut < good.length; cut++) {
      assert.throws(() => parseMetadata(good.subarray(0, cut)), isProto, `cut at ${cut}`)
    }
    assert.throws(() => parseMetadata(Uint8Array.of(0, 0, 0, 0, 0)), isProto)
    assert.equal(parseMetadata(new Uint8Array(0)).size, 0)
    assert.throws(() => encodeMetadata([["", new Uint8Array(0)]]), RangeError)
    assert.throws(() => encodeMetadata([["x".repeat(256), new Uint8Array(0)]]), RangeError)
  })
})
