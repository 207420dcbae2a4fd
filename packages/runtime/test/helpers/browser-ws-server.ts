// A WebSocket server written out by hand (node:http's upgrade, RFC 6455 framing), for tests
// that must say exactly what a ZWS server says: choose any subprotocol, send text or empty
// messages, or run the pure core's mechanisms as the server side (ZwsTestPeer).
import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import {
  encodeCommand,
  Handshake,
  type Mechanism,
  type MessageCipher,
  ZWS_COMMAND,
  zmtpFrameOfZwsPayload,
  zwsPayloadOfFrame,
} from "@omq/transport/zmtp"

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
export const TEXT = 0x1
export const BINARY = 0x2
const CLOSE = 0x8
const PING = 0x9
const PONG = 0xa

/** Items that arrive in order, taken by whoever waits (null once ended). */
class Arrivals<T> {
  readonly #items: T[] = []
  readonly #waiting: ((item: T | null) => void)[] = []
  #ended = false

  push(item: T): void {
    const waiter = this.#waiting.shift()
    if (waiter) waiter(item)
    else this.#items.push(item)
  }

  end(): void {
    this.#ended = true
    for (const waiter of this.#waiting.splice(0)) waiter(null)
  }

  next(): Promise<T | null> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift()!)
    if (this.#ended) return Promise.resolve(null)
    return new Promise((resolve) => this.#waiting.push(resolve))
  }
}

/** One accepted WebSocket: the client's data messages in order, and raw sends. */
export class FakeWsConnection {
  /** The subprotocols the client offered, in its order. */
  readonly offered: string[]
  readonly chosen: string | null
  /** Resolves when the TCP connection has ended (either side). */
  readonly ended: Promise<void>
  readonly #socket: Socket
  readonly #messages = new Arrivals<{ opcode: number; payload: Buffer }>()
  #buffer = Buffer.alloc(0)

  constructor(socket: Socket, offered: string[], chosen: string | null, head: Buffer) {
    this.#socket = socket
    this.offered = offered
    this.chosen = chosen
    this.ended = new Promise((resolve) => socket.once("close", () => resolve()))
    socket.on("data", (chunk: Buffer) => this.#read(chunk))
    socket.on("close", () => this.#messages.end())
    // A client that ends its side (as a browser does on a failed handshake) ends ours too.
    socket.on("end", () => socket.end())
    socket.on("error", () => {})
    if (head.byteLength > 0) this.#read(head)
  }

  /** The next text or binary message, or null once the connection ended. */
  next(): Promise<{ opcode: number; payload: Buffer } | null> {
    return this.#messages.next()
  }

  /** The next message's bytes (it must be binary). */
  async nextBinary(): Promise<Buffer> {
    const message = await this.next()
    if (message?.opcode !== BINARY)
      throw new Error(`expected a binary message, got ${message?.opcode}`)
    return message.payload
  }

  /** One unmasked frame, FIN set (a server never masks). */
  send(payload: Uint8Array, opcode = BINARY): void {
    const size = payload.byteLength
    const header =
      size < 126 ? Buffer.from([0x80 | opcode, size]) : Buffer.alloc(size < 65536 ? 4 : 10)
    if (size >= 126 && size < 65536) {
      header[0] = 0x80 | opcode
      header[1] = 126
      header.writeUInt16BE(size, 2)
    } else if (size >= 65536) {
      header[0] = 0x80 | opcode
      header[1] = 127
      header.writeBigUInt64BE(BigInt(size), 2)
    }
    this.#socket.write(Buffer.concat([header, payload]))
  }

  end(): void {
    this.#socket.destroy()
  }

  #read(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk])
    for (;;) {
      const b = this.#buffer
      if (b.length < 2) return
      let size = b[1]! & 0x7f
      let at = 2
      if (size === 126) {
        if (b.length < 4) return
        size = b.readUInt16BE(2)
        at = 4
      } else if (size === 127) {
        if (b.length < 10) return
        size = Number(b.readBigUInt64BE(2))
        at = 10
      }
      const masked = (b[1]! & 0x80) !== 0
      const end = at + (masked ? 4 : 0) + size
      if (b.length < end) return
      const payload = Buffer.from(b.subarray(end - size, end))
      if (masked) for (let i = 0; i < size; i++) payload[i]! ^= b[at + (i & 3)]!
      this.#buffer = b.subarray(end)
      const opcode = b[0]! & 0x0f
      if (opcode === CLOSE) {
        this.#socket.end()
        return
      }
      if (opcode === PING) this.send(payload, PONG)
      else if (opcode !== PONG) this.#messages.push({ opcode, payload })
    }
  }
}

/** Chooses the subprotocol for the n-th connection (from 0); null selects none. */
export type Chooser = (offered: string[], index: number) => string | null

/** A WebSocket server on 127.0.0.1 whose connections the test reads one by one. */
export class FakeWsServer {
  readonly url: string
  readonly #server: Server
  readonly #connections = new Arrivals<FakeWsConnection>()
  readonly #sockets = new Set<Socket>()

  private constructor(server: Server, url: string) {
    this.#server = server
    this.url = url
  }

  static async start(choose: Chooser): Promise<FakeWsServer> {
    const server = createServer((_request, response) => response.writeHead(426).end())
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    const fake = new FakeWsServer(server, `ws://127.0.0.1:${port}/zws`)
    let index = 0
    server.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
      fake.#sockets.add(socket)
      socket.once("close", () => fake.#sockets.delete(socket))
      const offered = String(request.headers["sec-websocket-protocol"] ?? "")
        .split(",")
        .map((protocol) => protocol.trim())
        .filter((protocol) => protocol.length > 0)
      const chosen = choose(offered, index++)
      const accept = createHash("sha1")
        .update(`${request.headers["sec-websocket-key"]}${GUID}`)
        .digest("base64")
      socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${accept}\r\n` +
          (chosen === null ? "" : `Sec-WebSocket-Protocol: ${chosen}\r\n`) +
          "\r\n",
      )
      fake.#connections.push(new FakeWsConnection(socket, offered, chosen, head))
    })
    return fake
  }

  /** The next connection the client made. */
  async nextConnection(): Promise<FakeWsConnection> {
    const connection = await this.#connections.next()
    if (!connection) throw new Error("server closed")
    return connection
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    this.#connections.end()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

/**
 * The server side of a ZWS connection with a mechanism, from the pure core: runs `mechanism`'s
 * handshake over `connection` (answering ZAP with `zap`), then sends and receives messages.
 */
export class ZwsTestPeer {
  readonly #connection: FakeWsConnection
  #cipher: MessageCipher | null = null

  constructor(connection: FakeWsConnection) {
    this.#connection = connection
  }

  /** Runs the handshake to its end; returns what the ZAP query carried, if one was asked. */
  async handshake(
    mechanism: Mechanism,
    zap?: (credentials: Uint8Array[]) => boolean,
  ): Promise<Uint8Array[] | null> {
    const handshake = new Handshake(mechanism, { greeting: false })
    let progress = handshake.begin()
    let credentials: Uint8Array[] | null = null
    for (;;) {
      for (const frame of progress.send) this.#connection.send(zwsPayloadOfFrame(frame))
      if (progress.failure) throw progress.failure
      if (progress.done) {
        this.#cipher = progress.done.cipher
        return credentials
      }
      if (progress.zap) {
        credentials = progress.zap.credentials
        const ok = zap?.(credentials) ?? false
        const status = ok ? "200" : "400"
        progress = handshake.zapAnswer({
          status,
          text: "",
          userId: new Uint8Array(0),
          metadata: new Map(),
        })
        continue
      }
      progress = handshake.push(zmtpFrameOfZwsPayload(await this.#connection.nextBinary()))
    }
  }

  /** Sends a whole message, boxing each frame under CURVE. */
  send(frames: Uint8Array[]): void {
    frames.forEach((frame, i) => {
      const flags = i < frames.length - 1 ? 0x01 : 0
      const payload = this.#cipher
        ? Buffer.concat([Buffer.of(0), this.#cipher.seal(flags, frame)])
        : Buffer.concat([Buffer.of(flags), frame])
      this.#connection.send(payload)
    })
  }

  /** The next whole message (commands are skipped). */
  async receive(): Promise<Buffer[]> {
    const frames: Buffer[] = []
    for (;;) {
      const payload = await this.#connection.nextBinary()
      let flags = payload[0]!
      let body: Uint8Array = payload.subarray(1)
      if (this.#cipher) ({ flags, body } = this.#cipher.open(body))
      if (flags & ZWS_COMMAND) continue
      frames.push(Buffer.from(body))
      if (!(flags & 0x01)) return frames
    }
  }

  /** A command frame (e.g. a PING), sent as is. */
  sendCommand(name: string, data: Uint8Array): void {
    this.#connection.send(zwsPayloadOfFrame(encodeCommand(name, data)))
  }
}
