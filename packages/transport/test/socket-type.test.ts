import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { isSocketType, type SocketType, socketTypesCompatible } from "../src/zmtp/mod.js"

describe("socket types", () => {
  it("recognises exactly the known upper-case names", () => {
    assert.ok(isSocketType("DEALER"))
    assert.ok(isSocketType("CHANNEL"))
    assert.ok(!isSocketType("dealer"))
    assert.ok(!isSocketType("FOO"))
    assert.ok(!isSocketType("toString"))
  })

  it("matches libzmq's compatibility table", () => {
    const yes: [SocketType, string][] = [
      ["REQ", "REP"],
      ["REQ", "ROUTER"],
      ["REP", "DEALER"],
      ["DEALER", "DEALER"],
      ["ROUTER", "ROUTER"],
      ["PUSH", "PULL"],
      ["PUB", "XSUB"],
      ["SUB", "XPUB"],
      ["XPUB", "SUB"],
      ["XSUB", "PUB"],
      ["PAIR", "PAIR"],
      ["CLIENT", "SERVER"],
      ["RADIO", "DISH"],
      ["SCATTER", "GATHER"],
      ["DGRAM", "DGRAM"],
      ["PEER", "PEER"],
      ["CHANNEL", "CHANNEL"],
    ]
    const no: [SocketType, string][] = [
      ["REQ", "REQ"],
      ["REQ", "DEALER"],
      ["REP", "REP"],
      ["REP", "ROUTER"],
      ["PUSH", "PUSH"],
      ["PUB", "PUB"],
      ["SUB", "SUB"],
      ["PAIR", "DEALER"],
      ["STREAM", "STREAM"],
      ["DEALER", "STREAM"],
      ["SERVER", "SERVER"],
      ["PUSH", "WHATEVER"],
    ]
    for (const [a, b] of yes) assert.ok(socketTypesCompatible(a, b), `${a}<->${b}`)
    for (const [a, b] of no) assert.ok(!socketTypesCompatible(a, b), `${a}<->${b}`)
  })

  it("accepts the remote name in any case", () => {
    assert.ok(socketTypesCompatible("PUSH", "pull"))
    assert.ok(socketTypesCompatible("ROUTER", "Dealer"))
    assert.ok(!socketTypesCompatible("PUSH", "push"))
  })
})
