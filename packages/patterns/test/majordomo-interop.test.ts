// Majordomo peers written on libzmq (the `zeromq` npm package, a root dev dependency) straight
// from RFC 7's frame tables, against omq's broker: a libzmq worker serving an omq client, and a
// libzmq REQ client served by an omq worker.
import { strict as assert } from "node:assert"
import { afterEach, describe, it } from "node:test"
import * as zmq from "zeromq"
import { MajordomoBroker, MajordomoClient, MajordomoWorker } from "../src/mod.js"
import { ManualClock } from "./manual-clock.js"

describe("Majordomo interop with libzmq peers", () => {
  const closers: Array<{ close(): void }> = []
  const keep = <T extends { close(): void }>(c: T): T => {
    closers.push(c)
    return c
  }
  afterEach(() => {
    for (const c of closers.splice(0).reverse()) c.close()
  })

  it("a libzmq DEALER worker (READY, REQUEST, REPLY by hand) serves an omq client", async () => {
    const broker = keep(
      await MajordomoBroker.bind("tcp://127.0.0.1:*", { clock: new ManualClock() }),
    )
    const worker = keep(new zmq.Dealer({ linger: 0 }))
    worker.connect(broker.socket.lastEndpoint!)
    await worker.send(["", "MDPW01", Buffer.of(0x01), "reverse"])
    const serving = (async () => {
      for (;;) {
        const [empty, header, command, ...rest] = await worker.receive()
        assert.equal(empty!.length, 0)
        assert.equal(String(header), "MDPW01")
        if (command![0] === 0x04) continue // a heartbeat from the broker
        assert.equal(command![0], 0x02)
        const [client, delimiter, body] = rest
        assert.equal(delimiter!.length, 0)
        const reversed = [...String(body)].reverse().join("")
        await worker.send(["", "MDPW01", Buffer.of(0x03), client!, "", reversed])
        return String(body)
      }
    })()
    const client = keep(
      new MajordomoClient(broker.socket.lastEndpoint!, { clock: new ManualClock() }),
    )
    assert.deepEqual((await client.request("reverse", "libzmq")).map(String), ["qmzbil"])
    assert.equal(await serving, "libzmq")
  })

  it("a libzmq REQ client (MDPC01 by hand) is served by an omq worker", async () => {
    const broker = keep(
      await MajordomoBroker.bind("tcp://127.0.0.1:*", { clock: new ManualClock() }),
    )
    keep(
      new MajordomoWorker(broker.socket.lastEndpoint!, "echo", (body) => body, {
        clock: new ManualClock(),
      }),
    )
    const client = keep(new zmq.Request({ linger: 0 }))
    client.connect(broker.socket.lastEndpoint!)
    // Sent before or after the worker's READY, the request is served either way (it waits).
    await client.send(["MDPC01", "echo", "one", "two"])
    const reply = await client.receive()
    assert.deepEqual(reply.map(String), ["MDPC01", "echo", "one", "two"])
  })
})
