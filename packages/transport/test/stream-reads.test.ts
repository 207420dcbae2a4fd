// Byte-stream connections read through Node's onread (StreamReads): into memory the receiver
// names when it has some (a large body), else into the thread's shared read buffer, handed on as
// ephemeral bytes. Accepted connections are taken over from the server, which must still close.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import {
  type Carrier,
  type CarrierEvents,
  listenStream,
  parseNetworkEndpoint,
  streamDialer,
} from "../src/mod.js"

/** What a carrier delivered: bytes (copied), which arrived as ephemeral, and reads into `into`. */
interface Received {
  chunks: Uint8Array[]
  length: number
  ephemeral: number
  filled: number
  closed: Promise<void>
}

/**
 * Starts `carrier`, offering `into` as the read target while `offer()` says so; every byte
 * received, in order, goes to `chunks` (those read into `into` at their place).
 */
function receive(carrier: Carrier, into: Uint8Array, offer: () => boolean): Received {
  let closed = (): void => {}
  const received: Received = {
    chunks: [],
    length: 0,
    ephemeral: 0,
    filled: 0,
    closed: new Promise((resolve) => (closed = resolve)),
  }
  let at = 0
  const events: CarrierEvents = {
    data: (bytes, ephemeral) => {
      if (ephemeral) received.ephemeral++
      received.chunks.push(Uint8Array.from(bytes))
      received.length += bytes.byteLength
    },
    readTarget: () => (offer() && at < into.byteLength ? into.subarray(at) : null),
    readSize: () => Number.POSITIVE_INFINITY,
    filled: (count) => {
      received.filled++
      received.chunks.push(Uint8Array.from(into.subarray(at, at + count)))
      received.length += count
      at += count
    },
    frame: () => assert.fail("byte streams have no frames"),
    alive: () => {},
    drain: () => {},
    closed: () => closed(),
  }
  carrier.start(events)
  return received
}

type StreamEndpoint = Parameters<typeof listenStream>[0]

const pattern = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff)

/** Dials `endpoint` once; resolves with the connection. */
function dial(endpoint: string): Promise<Carrier> {
  return new Promise((resolve, reject) => {
    streamDialer(parseNetworkEndpoint(endpoint, false) as StreamEndpoint).dial(resolve, () =>
      reject(new Error(`dial ${endpoint} failed`)),
    )
  })
}

for (const transport of ["tcp", "ipc"] as const) {
  describe(`stream reads over ${transport}`, () => {
    const bind = transport === "tcp" ? "tcp://127.0.0.1:*" : "ipc://*"

    it("read into the receiver's memory when offered, and hand on the rest in order", async () => {
      let accepted: (carrier: Carrier) => void = () => {}
      const acceptedCarrier = new Promise<Carrier>((resolve) => (accepted = resolve))
      const listener = await listenStream(
        parseNetworkEndpoint(bind, true) as StreamEndpoint,
        (carrier) => accepted(carrier),
      )
      const client = await dial(listener.endpoint)
      const server = await acceptedCarrier
      const sent = pattern(600_000)
      // Offered after the first bytes arrived (as a decoder does once a body is under way).
      const into = new Uint8Array(200_000)
      let received: Received | null = null
      received = receive(server, into, () => received!.length > 0)
      receive(client, new Uint8Array(0), () => false)
      client.output.bytes(sent)
      client.output.flush()
      client.end(() => {})
      await received.closed
      assert.deepEqual(Buffer.concat(received.chunks), Buffer.from(sent))
      assert.ok(received.filled > 0, "nothing was read into the offered memory")
      assert.ok(received.ephemeral > 0, "nothing came through the shared read buffer")
      // The server closes once its connection (taken over from it) has.
      await listener.close()
    })
  })
}
