// STREAM sockets against plain `net` peers: raw bytes both ways, connect/disconnect notices.
import assert from "node:assert/strict"
import { once } from "node:events"
import { connect, createServer, type Socket } from "node:net"
import { it } from "node:test"
import { Context, Poller, Stream } from "omq"
import { forEachIoThreads } from "./helpers/interop.js"

forEachIoThreads("STREAM with plain tcp peers", (context, ioThreads) => {
  it("a bound STREAM talks to a net client and closes it on [id, '']", async () => {
    const stream = new Stream({ context, linger: 0 })
    await stream.bind("tcp://127.0.0.1:*")
    const port = Number(stream.lastEndpoint!.split(":").pop())
    const client = connect(port, "127.0.0.1")
    const [id, notice] = await stream.receive()
    assert.equal(id!.length, 5, "generated routing id")
    assert.equal(notice!.length, 0, "connect notice")
    client.write("hello")
    const [from, data] = await stream.receive()
    assert.deepEqual(from, id)
    assert.equal(String(data), "hello")
    const reply = once(client, "data")
    await stream.send([id!, "world"])
    assert.equal(String((await reply)[0]), "world")
    const ended = once(client, "end")
    await stream.send([id!, ""]) // closes that connection
    await ended
    client.destroy()
    stream.close()
  })

  it("a STREAM paused at its receive limit still closes, and its context terminates", async () => {
    // linger -1: the close waits for the connection to end, which needs the peer's FIN read
    // from a connection that stopped reading at the receive limit.
    const own = new Context({ ioThreads })
    const stream = new Stream({ context: own, receiveHighWaterMark: 1 })
    await stream.bind("tcp://127.0.0.1:*")
    const client = connect(Number(stream.lastEndpoint!.split(":").pop()), "127.0.0.1")
    client.on("end", () => client.end()) // the peer closes when the STREAM does
    client.on("error", () => {}) // a reset: the STREAM closes with bytes it never read
    await stream.receive() // the connect notice
    client.write("first")
    assert.equal(String((await stream.receive())[1]), "first")
    client.write("second") // delivered and left unread: the connection pauses reading
    const poller = new Poller()
    poller.add(stream)
    await poller.poll()
    poller.close()
    client.write(Buffer.alloc(1 << 20)) // more than the paused side reads
    const closed = new Promise((resolve) => client.once("close", resolve)) // (once() rejects on a reset)
    stream.close() // linger -1: the connection ends gracefully, once the client has ended too
    await closed
    await own.terminate()
  })

  it("a client that leaves is announced with [id, '']", async () => {
    const stream = new Stream({ context, linger: 0 })
    await stream.bind("tcp://127.0.0.1:*")
    const port = Number(stream.lastEndpoint!.split(":").pop())
    const client = connect(port, "127.0.0.1")
    const [id] = await stream.receive()
    client.end()
    const [gone, empty] = await stream.receive()
    assert.deepEqual(gone, id)
    assert.equal(empty!.length, 0)
    await assert.rejects(stream.send([id!, "late"]), { code: "EHOSTUNREACH" })
    stream.close()
  })

  it("bytes sent to a chosen routing id right after connect() reach the server once connected", async () => {
    const server = createServer()
    const received = new Promise<string>((resolve) => {
      server.once("connection", (socket: Socket) => {
        socket.on("error", () => {})
        socket.once("data", (data) => resolve(String(data)))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as { port: number }
    const stream = new Stream({ context, linger: 0 })
    stream.connect(`tcp://127.0.0.1:${port}`, { routingId: "srv" })
    await stream.send(["srv", "GET / HTTP/1.0\r\n\r\n"]) // before the connection is up
    assert.equal(await received, "GET / HTTP/1.0\r\n\r\n")
    assert.deepEqual((await stream.receive()).map(String), ["srv", ""], "the connect notice")
    stream.close()
    await stream.finished
    server.close()
  })

  it("a connecting STREAM reaches a net server, with a chosen routing id", async () => {
    const server = createServer((socket: Socket) => {
      socket.on("error", () => {}) // a reset when the STREAM closes with linger 0 is expected
      socket.write("greetings")
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as { port: number }
    const stream = new Stream({ context, linger: 0 })
    stream.connect(`tcp://127.0.0.1:${port}`, { routingId: "srv" })
    assert.deepEqual((await stream.receive()).map(String), ["srv", ""])
    assert.deepEqual((await stream.receive()).map(String), ["srv", "greetings"])
    stream.close()
    await stream.finished
    server.close()
  })
})
