// Monitor events published on node:diagnostics_channel, for tracing every socket of a process
// without touching the sockets.
import { strict as assert } from "node:assert"
import diagnostics from "node:diagnostics_channel"
import { describe, it } from "node:test"
import { type Event, Pull, type Socket } from "omq"

const CHANNEL = "omq:socket:event"

describe("node:diagnostics_channel", () => {
  it("publishes each socket's events while someone subscribes, and nothing after", async () => {
    const seen: Array<{ socket: Socket; event: Event }> = []
    let bound!: () => void
    const boundSeen = new Promise<void>((resolve) => {
      bound = resolve
    })
    const listener = (message: unknown): void => {
      const published = message as { socket: Socket; event: Event }
      seen.push(published)
      if (published.event.type === "bind") bound()
    }
    diagnostics.subscribe(CHANNEL, listener)
    const pull = new Pull({ linger: 0 })
    try {
      await pull.bind("tcp://127.0.0.1:*")
      await boundSeen
      const event = seen.find((m) => m.event.type === "bind")!
      assert.equal(event.socket, pull)
      assert.ok(event.event.type === "bind" && event.event.address === pull.lastEndpoint)
    } finally {
      diagnostics.unsubscribe(CHANNEL, listener)
      pull.close()
      await pull.finished
    }
    const before = seen.length
    const other = new Pull({ linger: 0 })
    const closed = new Promise<void>((resolve) => other.events.on("close", () => resolve()))
    await other.bind("tcp://127.0.0.1:*")
    other.close()
    await closed // the socket's own observer saw its events; the channel got none
    assert.equal(seen.length, before)
  })
})
