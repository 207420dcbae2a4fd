// Majordomo peers written on libzmq (the `zeromq` npm package, a root dev dependency) straight
// from the frame tables of RFC 7 (MDP/0.1) and RFC 18 (MDP/0.2): libzmq workers and clients
// against omq's broker, and minimal brokers on libzmq serving omq's clients and workers.
import { strict as assert } from "node:assert"
import { afterEach, describe, it } from "node:test"
import * as zmq from "zeromq"
import type { MdpVersion } from "../src/majordomo-protocol.js"
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
  const omqBroker = async () =>
    keep(await MajordomoBroker.bind("tcp://127.0.0.1:*", { clock: new ManualClock() }))
  const omqClient = (endpoint: string, mdp: MdpVersion) =>
    keep(new MajordomoClient(endpoint, { mdp, clock: new ManualClock() }))
  const omqWorker = (endpoint: string, service: string, mdp: MdpVersion) =>
    keep(
      new MajordomoWorker(
        endpoint,
        service,
        async (body, reply) => {
          await reply.partial(["working on", ...body])
          return ["done", ...body]
        },
        { mdp, clock: new ManualClock() },
      ),
    )
  const collect = async (parts: AsyncIterable<Buffer[]>) => {
    const all: string[][] = []
    for await (const part of parts) all.push(part.map(String))
    return all
  }

  it("a libzmq 0.2 DEALER worker (PARTIAL, FINAL by hand) serves an omq 0.2 client, and a 0.1 client its FINAL", async () => {
    const broker = await omqBroker()
    const worker = keep(new zmq.Dealer({ linger: 0 }))
    worker.connect(broker.socket.lastEndpoint!)
    await worker.send(["MDPW02", Buffer.of(0x01), "count"])
    const serving = (async () => {
      for (let served = 0; served < 2; ) {
        const [header, command, client, delimiter, ...body] = await worker.receive()
        assert.equal(String(header), "MDPW02")
        if (command![0] === 0x05) continue // a heartbeat from the broker
        assert.equal(command![0], 0x02)
        assert.equal(delimiter!.length, 0)
        const n = Number(String(body[0]))
        for (let i = 1; i < n; i++) {
          await worker.send(["MDPW02", Buffer.of(0x03), client!, "", `${i} of ${n}`])
        }
        await worker.send(["MDPW02", Buffer.of(0x04), client!, "", `${n} of ${n}`])
        served++
      }
    })()
    const endpoint = broker.socket.lastEndpoint!
    assert.deepEqual(await collect(omqClient(endpoint, "0.2").stream("count", "3")), [
      ["1 of 3"],
      ["2 of 3"],
      ["3 of 3"],
    ])
    assert.deepEqual((await omqClient(endpoint, "0.1").request("count", "2")).map(String), [
      "2 of 2",
    ])
    await serving
  })

  it("a libzmq 0.2 DEALER client (REQUEST by hand) is served by an omq 0.2 worker: PARTIAL, then FINAL", async () => {
    const broker = await omqBroker()
    omqWorker(broker.socket.lastEndpoint!, "echo", "0.2")
    const client = keep(new zmq.Dealer({ linger: 0 }))
    client.connect(broker.socket.lastEndpoint!)
    await client.send(["MDPC02", Buffer.of(0x01), "echo", "one", "two"])
    const partial = await client.receive()
    assert.deepEqual(partial.map(String), ["MDPC02", "\x02", "echo", "working on", "one", "two"])
    const final = await client.receive()
    assert.deepEqual(final.map(String), ["MDPC02", "\x03", "echo", "done", "one", "two"])
  })

  for (const mdp of ["0.1", "0.2"] as const) {
    it(`a broker written on libzmq from RFC ${mdp === "0.1" ? 7 : 18} serves an omq ${mdp} client and worker`, async () => {
      const router = keep(new zmq.Router({ linger: 0 }))
      await router.bind("tcp://127.0.0.1:*")
      void (mdp === "0.1" ? serveMdp01 : serveMdp02)(router)
      const endpoint = router.lastEndpoint!
      omqWorker(endpoint, "echo", mdp)
      const client = omqClient(endpoint, mdp)
      const expected =
        mdp === "0.1"
          ? [["done", "hi"]]
          : [
              ["working on", "hi"],
              ["done", "hi"],
            ]
      assert.deepEqual(await collect(client.stream("echo", "hi")), expected)
      assert.deepEqual((await client.request("echo", "again")).map(String), ["done", "again"])
    })
  }
})

/**
 * RFC 7's broker, minimal (no heartbeats, no expiry): workers queued idle per service, requests
 * per service, each REPLY passed back to its client.
 */
async function serveMdp01(router: zmq.Router): Promise<void> {
  const broker = minimalBroker((worker, client, body) =>
    router.send([worker, "", "MDPW01", Buffer.of(0x02), client, "", ...body]),
  )
  try {
    for await (const [sender, , header, command, ...rest] of router) {
      if (String(header) === "MDPC01") {
        await broker.request(String(command), sender!, rest)
      } else if (command![0] === 0x01) {
        await broker.ready(sender!, String(rest[0]))
      } else if (command![0] === 0x03) {
        const [client, , ...body] = rest
        const service = broker.serviceOf(sender!)
        await router.send([client!, "", "MDPC01", service, ...body])
        await broker.idle(sender!)
      } // 0x04 HEARTBEAT, 0x05 DISCONNECT: nothing to keep in so short a life
    }
  } catch {
    // closed
  }
}

/** RFC 18's broker, minimal: as serveMdp01, with no delimiters, and PARTIAL passed on as it comes. */
async function serveMdp02(router: zmq.Router): Promise<void> {
  const broker = minimalBroker((worker, client, body) =>
    router.send([worker, "MDPW02", Buffer.of(0x02), client, "", ...body]),
  )
  try {
    for await (const [sender, header, command, ...rest] of router) {
      if (String(header) === "MDPC02" && command![0] === 0x01) {
        const [service, ...body] = rest
        await broker.request(String(service), sender!, body)
      } else if (String(header) !== "MDPW02") {
      } else if (command![0] === 0x01) {
        await broker.ready(sender!, String(rest[0]))
      } else if (command![0] === 0x03 || command![0] === 0x04) {
        const [client, , ...body] = rest
        const final = command![0] === 0x04
        const service = broker.serviceOf(sender!)
        await router.send([client!, "MDPC02", Buffer.of(final ? 0x03 : 0x02), service, ...body])
        if (final) await broker.idle(sender!)
      }
    }
  } catch {
    // closed
  }
}

/** The queues both minimal brokers keep: idle workers and waiting requests, per service. */
function minimalBroker(give: (worker: Buffer, client: Buffer, body: Buffer[]) => Promise<void>) {
  const services = new Map<string, { idle: Buffer[]; waiting: Array<[Buffer, Buffer[]]> }>()
  const serviceOfWorker = new Map<string, string>()
  const service = (name: string) => {
    if (!services.has(name)) services.set(name, { idle: [], waiting: [] })
    return services.get(name)!
  }
  const dispatch = async (name: string) => {
    const { idle, waiting } = service(name)
    while (idle.length > 0 && waiting.length > 0) {
      const [client, body] = waiting.shift()!
      await give(idle.shift()!, client, body)
    }
  }
  return {
    serviceOf: (worker: Buffer) => serviceOfWorker.get(worker.toString("hex"))!,
    async ready(worker: Buffer, name: string) {
      serviceOfWorker.set(worker.toString("hex"), name)
      service(name).idle.push(worker)
      await dispatch(name)
    },
    async idle(worker: Buffer) {
      const name = serviceOfWorker.get(worker.toString("hex"))!
      service(name).idle.push(worker)
      await dispatch(name)
    },
    async request(name: string, client: Buffer, body: Buffer[]) {
      service(name).waiting.push([client, body])
      await dispatch(name)
    },
  }
}
