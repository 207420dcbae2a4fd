import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import {
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  FrameDecoder,
  GREETING_SIZE,
  NullMechanism,
  parseCommand,
  parseGreeting,
  parseMetadata,
  parsePing,
  socketTypesCompatible,
} from "../src/zmtp/mod.js"

/*
 * Raw bytes sent by real libzmq 4.3.5 (zeromq npm 6.8.0, Node 20), captured with a scratch
 * script: a plain node:net server on 127.0.0.1 accepts a zeromq socket's connect, waits
 * 300 ms (libzmq sends only its 10-byte signature, then stalls), answers with an 11-byte
 * greeting prefix, then the rest of a NULL 3.1 greeting + READY for the matching type
 * (PULL/ROUTER/REP/PUB), and records everything the socket sends on that connection.
 */
// Bytes 10..63: version 3.1, "NULL", as-server 0, zero filler.
const GREETING_TAIL = `03014e554c4c${"00".repeat(48)}`
const READY_PUSH = "041a0552454144590b536f636b65742d547970650000000450555348"

const CAPTURES = {
  // Push: send(["part1", "part2"])
  push: `ff00000000000000017f${GREETING_TAIL}${READY_PUSH}0105706172743100057061727432`,
  // Dealer (no routingId): send(["a", "bb"]); note the empty Identity property.
  dealer:
    `ff00000000000000017f${GREETING_TAIL}` +
    "04290552454144590b536f636b65742d54797065000000064445414c4552" +
    "084964656e746974790000000001016100026262",
  // Dealer with routingId "me": greeting padding byte 8 becomes 0x03 (identity length + 1).
  dealerWithId:
    `ff00000000000000037f${GREETING_TAIL}` +
    "042b0552454144590b536f636b65742d54797065000000064445414c4552" +
    "084964656e74697479000000026d65000178",
  // Request: send("hello"); REQ puts an empty delimiter frame first.
  req:
    `ff00000000000000017f${GREETING_TAIL}` +
    "04260552454144590b536f636b65742d5479706500000003524551" +
    "084964656e74697479000000000100000568656c6c6f",
  // Subscriber: subscribe("topic"), subscribe(""), unsubscribe("topic").
  sub:
    `ff00000000000000017f${GREETING_TAIL}` +
    "04190552454144590b536f636b65742d5479706500000003535542" +
    "040f09535542534352494245746f706963040a09535542534352494245040c0643414e43454c746f706963",
  // Push: send 300 x "a" -> 8-byte size form.
  pushBig: `ff00000000000000017f${GREETING_TAIL}${READY_PUSH}02000000000000012c${"61".repeat(300)}`,
  // Push with heartbeatInterval 100 ms, heartbeatTimeToLive 2000 ms: PING ttl=20 ds, no context.
  pushHeartbeat: `ff00000000000000017f${GREETING_TAIL}${READY_PUSH}04070450494e470014`,
}

const fromHex = (h: string) => new Uint8Array(Buffer.from(h, "hex"))
const str = (b: Uint8Array | undefined) => new TextDecoder().decode(b)

type Frame = { flags: number; body: Uint8Array }

/** Parses a capture: greeting, then every frame, fed in one chunk and byte by byte. */
function readCapture(hex: string) {
  const bytes = fromHex(hex)
  const greeting = parseGreeting(bytes.subarray(0, GREETING_SIZE))
  const rest = bytes.subarray(GREETING_SIZE)
  const frames: Frame[] = []
  new FrameDecoder({ onFrame: (flags, body) => frames.push({ flags, body }) }, 1024).push(rest)
  const trickled: Frame[] = []
  const slow = new FrameDecoder({ onFrame: (flags, body) => trickled.push({ flags, body }) })
  for (let i = 0; i < rest.length; i++) slow.push(rest.subarray(i, i + 1))
  assert.deepEqual(trickled, frames)
  return { greeting, frames }
}

/** Runs the first (READY) frame through our NULL mechanism and returns the peer's properties. */
function handshake(frames: Frame[], local: "PULL" | "ROUTER" | "REP" | "PUB") {
  const ready = frames[0]!
  assert.equal(ready.flags, FLAG_COMMAND)
  const mech = new NullMechanism([["Socket-Type", new TextEncoder().encode(local)]])
  mech.start()
  const peer = mech.onCommand(parseCommand(ready.body)).peer!
  assert.ok(socketTypesCompatible(local, str(peer.get("socket-type"))))
  return peer
}

const dataFrames = (frames: Frame[]) => frames.slice(1).map((f) => [f.flags, str(f.body)])

describe("libzmq 4.3.5 captures", () => {
  it("greetings announce 3.1 NULL as client", () => {
    for (const hex of Object.values(CAPTURES)) {
      assert.deepEqual(readCapture(hex).greeting, {
        major: 3,
        minor: 1,
        mechanism: "NULL",
        asServer: false,
      })
    }
  })

  it("PUSH: READY with Socket-Type only, then a 2-part message", () => {
    const { frames } = readCapture(CAPTURES.push)
    const peer = handshake(frames, "PULL")
    assert.deepEqual([...peer.keys()], ["socket-type"])
    assert.deepEqual(dataFrames(frames), [
      [FLAG_MORE, "part1"],
      [0, "part2"],
    ])
  })

  it("DEALER: READY carries an empty Identity", () => {
    const { frames } = readCapture(CAPTURES.dealer)
    const peer = handshake(frames, "ROUTER")
    assert.equal(str(peer.get("socket-type")), "DEALER")
    assert.equal(peer.get("identity")?.length, 0)
    assert.deepEqual(dataFrames(frames), [
      [FLAG_MORE, "a"],
      [0, "bb"],
    ])
  })

  it("DEALER with routingId: Identity property and non-zero greeting padding", () => {
    const { frames } = readCapture(CAPTURES.dealerWithId)
    assert.equal(fromHex(CAPTURES.dealerWithId)[8], 0x03)
    const peer = handshake(frames, "ROUTER")
    assert.equal(str(peer.get("identity")), "me")
    assert.deepEqual(dataFrames(frames), [[0, "x"]])
  })

  it("REQ: Identity in READY and an empty delimiter before the body", () => {
    const { frames } = readCapture(CAPTURES.req)
    const peer = handshake(frames, "REP")
    assert.equal(str(peer.get("socket-type")), "REQ")
    assert.equal(peer.get("identity")?.length, 0)
    assert.deepEqual(dataFrames(frames), [
      [FLAG_MORE, ""],
      [0, "hello"],
    ])
  })

  it("SUB: SUBSCRIBE and CANCEL as 3.1 commands", () => {
    const { frames } = readCapture(CAPTURES.sub)
    handshake(frames, "PUB")
    const cmds = frames.slice(1).map((f) => {
      assert.equal(f.flags, FLAG_COMMAND)
      const cmd = parseCommand(f.body)
      return [cmd.name, str(cmd.data)]
    })
    assert.deepEqual(cmds, [
      ["SUBSCRIBE", "topic"],
      ["SUBSCRIBE", ""],
      ["CANCEL", "topic"],
    ])
  })

  it("300-byte frame uses the LONG form", () => {
    const { frames } = readCapture(CAPTURES.pushBig)
    handshake(frames, "PULL")
    assert.equal(frames[1]!.flags, FLAG_LONG)
    assert.equal(str(frames[1]!.body), "a".repeat(300))
  })

  it("PING carries a TTL in deciseconds and an empty context", () => {
    const { frames } = readCapture(CAPTURES.pushHeartbeat)
    handshake(frames, "PULL")
    const ping = parseCommand(frames[1]!.body)
    assert.equal(ping.name, "PING")
    const { ttl, context } = parsePing(ping.data)
    assert.equal(ttl, 20)
    assert.equal(context.length, 0)
  })

  it("READY names arrive in libzmq's exact case", () => {
    const { frames } = readCapture(CAPTURES.req)
    const raw = parseCommand(frames[0]!.body).data
    assert.ok(Buffer.from(raw).includes("Socket-Type"))
    assert.ok(Buffer.from(raw).includes("Identity"))
    assert.equal(parseMetadata(raw).size, 2)
  })
})
