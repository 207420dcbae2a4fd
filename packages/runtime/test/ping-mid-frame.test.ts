// A PING that arrives while the IO side is half way through writing a large frame must be
// answered after that frame, never inside it. The peer here is a raw tcp PULL that pings
// constantly and checks every frame it gets with omq's own decoder.
import assert from "node:assert/strict"
import { createServer, type Socket } from "node:net"
import { it } from "node:test"
import {
  encodeCommand,
  encodeGreeting,
  encodeReady,
  FLAG_COMMAND,
  FrameDecoder,
  parseCommand,
} from "@omq/transport/zmtp"
import { Push } from "omq"
import { forEachIoThreads } from "./helpers/interop.js"

const FRAME = 200_000 // streamed through the ring in chunks: the window for a stray PONG
const COUNT = 60

forEachIoThreads("PING while a large frame is being written", (context) => {
  it("PONGs go between frames, every frame arrives whole", async () => {
    let frames = 0
    let pongs = 0
    let fault: unknown = null
    let done!: () => void
    const finished = new Promise<void>((resolve) => {
      done = resolve
    })
    const server = createServer((socket: Socket) => {
      socket.write(encodeGreeting("NULL", false))
      socket.write(encodeReady([["Socket-Type", Buffer.from("PULL")]]))
      const ping = encodeCommand("PING", Buffer.from([0, 0, 0x61]))
      const pinger = setInterval(() => socket.write(ping), 0)
      let greeting = 64
      const decoder = new FrameDecoder({
        onFrame(flags, body) {
          if (flags & FLAG_COMMAND) {
            if (parseCommand(body).name === "PONG") pongs++
            return
          }
          if (body.length !== FRAME || body.some((b) => b !== 9)) {
            fault ??= new Error(`damaged frame of ${body.length} bytes`)
          }
          if (++frames === COUNT || fault) {
            clearInterval(pinger)
            done()
          }
        },
      })
      socket.on("data", (chunk: Buffer) => {
        try {
          const skip = Math.min(greeting, chunk.length)
          greeting -= skip
          if (chunk.length > skip) decoder.push(chunk.subarray(skip))
        } catch (err) {
          fault ??= err
          clearInterval(pinger)
          done()
        }
      })
      socket.on("close", () => clearInterval(pinger))
      // Closing the PUSH with linger 0 while PINGs are still unread resets the connection: the
      // reset is expected then, and says nothing about the frames checked before it.
      socket.on("error", () => clearInterval(pinger))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as { port: number }
    const push = new Push({ context, linger: 0 })
    push.connect(`tcp://127.0.0.1:${port}`)
    const body = Buffer.alloc(FRAME, 9)
    for (let i = 0; i < COUNT; i++) await push.send(body)
    await finished
    push.close()
    await push.finished
    server.close()
    assert.equal(fault, null)
    assert.equal(frames, COUNT)
    assert.ok(pongs > 0, "the pings were answered")
  })
})
