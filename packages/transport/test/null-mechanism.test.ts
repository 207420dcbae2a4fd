import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import {
  type Command,
  encodeError,
  encodeReady,
  NullMechanism,
  parseCommand,
  ZmtpError,
} from "../src/zmtp/mod.js"

const text = (s: string) => new TextEncoder().encode(s)
const isCode = (code: string) => (err: unknown) => err instanceof ZmtpError && err.code === code
/** The command inside a whole short frame produced by our encoders. */
const commandOf = (frame: Uint8Array): Command => parseCommand(frame.subarray(2))

describe("NULL mechanism", () => {
  it("starts by sending READY with the local properties", () => {
    const mech = new NullMechanism([["Socket-Type", text("PUSH")]])
    assert.equal(mech.name, "NULL")
    const step = mech.start()
    assert.deepEqual(step.send, [encodeReady([["Socket-Type", text("PUSH")]])])
    assert.equal(step.peer, undefined)
  })

  it("accepts a one-shot generator for properties", () => {
    function* props(): Generator<[string, Uint8Array]> {
      yield ["Socket-Type", text("REQ")]
      yield ["Identity", new Uint8Array(0)]
    }
    const mech = new NullMechanism(props())
    assert.deepEqual(mech.start().send, mech.start().send)
  })

  it("completes on the peer's READY", () => {
    const mech = new NullMechanism([["Socket-Type", text("PULL")]])
    mech.start()
    const ready = commandOf(encodeReady([["Socket-Type", text("PUSH")]]))
    const step = mech.onCommand(ready)
    assert.deepEqual(step.send, [])
    assert.equal(new TextDecoder().decode(step.peer?.get("socket-type")), "PUSH")
  })

  it("turns ERROR into EACCES with the reason", () => {
    const mech = new NullMechanism([["Socket-Type", text("PULL")]])
    mech.start()
    assert.throws(
      () => mech.onCommand(commandOf(encodeError("denied"))),
      (err: unknown) => isCode("EACCES")(err) && (err as Error).message.endsWith(": denied"),
    )
  })

  it("rejects other commands and a second READY", () => {
    const mech = new NullMechanism([["Socket-Type", text("PULL")]])
    mech.start()
    assert.throws(
      () => mech.onCommand({ name: "PING", data: Uint8Array.of(0, 0) }),
      isCode("EPROTO"),
    )
    const ready = commandOf(encodeReady([["Socket-Type", text("PUSH")]]))
    mech.onCommand(ready)
    assert.throws(() => mech.onCommand(ready), isCode("EPROTO"))
  })

  it("rejects a malformed READY", () => {
    const mech = new NullMechanism([])
    assert.throws(
      () => mech.onCommand({ name: "READY", data: Uint8Array.of(3, 0x41) }),
      isCode("EPROTO"),
    )
  })
})
