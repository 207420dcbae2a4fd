// A CURVE connection whose handshake ends before libsodium has loaded on its thread becomes
// ready only once it has (HandshakePhase#awaitSodium): its first messages are then sealed by
// libsodium, not by tweetnacl. Its own file: nothing else may have loaded libsodium first.
import { strict as assert } from "node:assert"
import { it } from "node:test"
import { StreamCarrier, ZmtpEngine } from "../src/mod.js"
import { secretboxLibrary } from "../src/zmtp/mod.js"
import { curveSecurities, engineConfig, engineHandler, tcpPair } from "./helpers/curve-engines.js"

it("holds a CURVE connection's readiness until libsodium has loaded on its thread", async () => {
  assert.equal(secretboxLibrary(), "tweetnacl", "libsodium must not be loaded yet")
  const security = curveSecurities() // starts loading libsodium, as a socket's bind() does
  const { listener, accepted, dialed } = await tcpPair()

  const libraryAtReady: string[] = []
  const received: Uint8Array[][] = []
  let pushReady = (): void => {}
  const pushIsReady = new Promise<void>((resolve) => (pushReady = resolve))
  let gotAll = (): void => {}
  const allReceived = new Promise<void>((resolve) => (gotAll = resolve))

  const pull: ZmtpEngine = new ZmtpEngine(
    new StreamCarrier(accepted),
    engineConfig(security.server, "PULL"),
    engineHandler(
      () => pull,
      () => libraryAtReady.push(secretboxLibrary()),
      (frames) => {
        received.push(frames.map((f) => Uint8Array.from(f)))
        if (received.length === 3) gotAll()
      },
    ),
  )
  const push: ZmtpEngine = new ZmtpEngine(
    new StreamCarrier(dialed),
    engineConfig(security.client, "PUSH"),
    engineHandler(
      () => push,
      () => {
        libraryAtReady.push(secretboxLibrary())
        pushReady()
      },
      () => assert.fail("a PULL sends nothing"),
    ),
  )
  await pushIsReady
  for (const n of [1, 2, 3]) push.writeFrame(new Uint8Array(100).fill(n), false, false)
  push.flush()
  await allReceived
  assert.deepEqual(libraryAtReady, ["libsodium", "libsodium"])
  assert.deepEqual(
    received,
    [1, 2, 3].map((n) => [new Uint8Array(100).fill(n)]),
  )
  push.destroy()
  pull.destroy()
  listener.close()
})
