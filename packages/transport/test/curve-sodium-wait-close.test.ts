// A CURVE connection that closes while it waits for libsodium (HandshakePhase#awaitSodium) leaves
// no timer behind: the wait's timer would otherwise keep the event loop alive for up to 100 ms
// after the close. Its own file: nothing else may have loaded libsodium first.
import { strict as assert } from "node:assert"
import { it } from "node:test"
import { StreamCarrier, ZmtpEngine } from "../src/mod.js"
import { secretboxLibrary } from "../src/zmtp/mod.js"
import { curveSecurities, engineConfig, engineHandler, tcpPair } from "./helpers/curve-engines.js"

/** The timers now pending on this thread. */
function timers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "Timeout").length
}

it("clears the libsodium wait's timer when the connection closes during the wait", async () => {
  assert.equal(secretboxLibrary(), "tweetnacl", "libsodium must not be loaded yet")
  const security = curveSecurities() // starts loading libsodium, as a socket's bind() does
  const { listener, accepted, dialed } = await tcpPair()
  const before = timers()

  // The PULL's carrier pauses when its handshake ends before libsodium has loaded (no ZAP
  // handler pauses it before that): both connections close right after, still waiting.
  let pauses = 0
  let closedWhileWaiting = (): void => {}
  const done = new Promise<void>((resolve) => (closedWhileWaiting = resolve))
  const carrier = new StreamCarrier(accepted)
  const pause = carrier.pause.bind(carrier)
  carrier.pause = () => {
    pause()
    if (pauses++ > 0) return
    queueMicrotask(() => {
      pull.destroy()
      push.destroy()
      closedWhileWaiting()
    })
  }
  let readyBeforeClose = false
  const pull: ZmtpEngine = new ZmtpEngine(
    carrier,
    engineConfig(security.server, "PULL"),
    engineHandler(
      () => pull,
      () => {
        readyBeforeClose = true // no wait happened: the assertion below says so
        closedWhileWaiting()
      },
    ),
  )
  const push: ZmtpEngine = new ZmtpEngine(
    new StreamCarrier(dialed),
    engineConfig(security.client, "PUSH"),
    engineHandler(() => push),
  )
  try {
    await done
    assert.equal(readyBeforeClose, false, "the handshake ended before libsodium had loaded")
    assert.equal(timers(), before, "no timer outlives the closed connections")
  } finally {
    listener.close()
  }
})
