// ZWS 2.0 in the pure core: one ZMTP frame per WebSocket message (flags byte MORE 0x01 /
// COMMAND 0x02, then the body), and the handshake without a greeting that ws connections run.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import fc from "fast-check"
import {
  encodeCommand,
  encodeFrame,
  encodeReady,
  Handshake,
  type HandshakeProgress,
  mechanismFor,
  NULL_SECURITY,
  ZmtpError,
  zmtpFrameOfZwsPayload,
  zwsPayloadOfFrame,
} from "../src/zmtp/mod.js"

const text = (s: string) => new TextEncoder().encode(s)

describe("ZWS frames", () => {
  it("maps ZMTP's MORE and COMMAND (0x01, 0x04) to ZWS's (0x01, 0x02) and back", () => {
    const data = encodeFrame(text("body"), 0x01)
    assert.deepEqual(zwsPayloadOfFrame(data), Uint8Array.of(0x01, ...text("body")))
    const ready = encodeReady([["Socket-Type", text("PUSH")]])
    const payload = zwsPayloadOfFrame(ready)
    assert.equal(payload[0], 0x02)
    assert.deepEqual(zmtpFrameOfZwsPayload(payload), ready)
    assert.deepEqual(zmtpFrameOfZwsPayload(Uint8Array.of(0x00)), Uint8Array.of(0x00, 0x00))
  })

  it("round-trips any frame, short or long, through a ZWS payload (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        fc.boolean(),
        fc.boolean(),
        (body, more, command) => {
          const frame = command ? encodeCommand("X", body) : encodeFrame(body, more ? 0x01 : 0)
          const payload = zwsPayloadOfFrame(frame)
          // A command's body is its name (1-byte length + "X") and data: the flags byte replaces
          // the frame's 2- or 9-byte header.
          assert.equal(payload.byteLength, 1 + (command ? 2 : 0) + body.byteLength)
          assert.deepEqual(zmtpFrameOfZwsPayload(payload), frame)
        },
      ),
      { seed: 45, numRuns: 200 },
    )
  })

  it("refuses an empty message, and ignores the other flag bits", () => {
    assert.throws(() => zmtpFrameOfZwsPayload(new Uint8Array(0)), ZmtpError)
    assert.deepEqual(zmtpFrameOfZwsPayload(Uint8Array.of(0xfc, 7)), Uint8Array.of(0x00, 1, 7))
  })
})

describe("Handshake without a greeting (ZWS2.0/NULL)", () => {
  const props = (type: string): [string, Uint8Array][] => [["Socket-Type", text(type)]]
  // NULL has no client and server roles: both sides are alike.
  const zws = (type: string) =>
    new Handshake(mechanismFor(NULL_SECURITY, props(type)), { greeting: false })
  /** What one side sends, as the ZWS payloads a ws connection would carry, back to frames. */
  const overWs = (progress: HandshakeProgress): Uint8Array[] =>
    progress.send.map((frame) => zmtpFrameOfZwsPayload(zwsPayloadOfFrame(frame)))

  it("both sides send READY at once; each is done on the other's, as ZMTP 3.0 for subscriptions", () => {
    const client = zws("PUSH")
    const server = zws("PULL")
    const fromClient = overWs(client.begin())
    const fromServer = overWs(server.begin())
    assert.equal(fromClient.length, 1)
    let done: HandshakeProgress | undefined
    for (const frame of fromServer) done = client.push(frame)
    assert.equal(new TextDecoder().decode(done?.done?.peer.get("socket-type")), "PULL")
    assert.equal(done?.done?.peerMinor, 0)
    for (const frame of fromClient) done = server.push(frame)
    assert.equal(new TextDecoder().decode(done?.done?.peer.get("socket-type")), "PUSH")
  })

  it("a READY that arrives before begin() waits for it; no greeting is ever expected", () => {
    const server = zws("PULL")
    const early = server.push(
      zmtpFrameOfZwsPayload(zwsPayloadOfFrame(encodeReady([["Socket-Type", text("PUSH")]]))),
    )
    assert.equal(early.done, undefined)
    assert.deepEqual(early.send, [])
    const begun = server.begin()
    assert.equal(begun.send.length, 1, "our READY")
    assert.equal(new TextDecoder().decode(begun.done?.peer.get("socket-type")), "PUSH")
    assert.throws(() => server.start(), /no greeting/)
  })

  it("a data frame before READY is a protocol error, as over tcp", () => {
    const server = zws("PULL")
    server.begin()
    assert.throws(
      () => server.push(zmtpFrameOfZwsPayload(Uint8Array.of(0x00, 1, 2))),
      (err: unknown) => err instanceof ZmtpError,
    )
  })
})
