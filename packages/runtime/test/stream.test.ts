// STREAM sockets against plain `net` peers: raw bytes both ways, connect/disconnect notices.
import assert from "node:assert/strict"
import { once } from "node:events"
import { connect, createServer, type Socket } from "node:net"
import { it } from "node:test"
import { Stream } from "omq"
import { forEachIoThreads } from "./helpers/interop.js"

forEachIoThreads("STREAM with plain tcp peers", (context) => {
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
