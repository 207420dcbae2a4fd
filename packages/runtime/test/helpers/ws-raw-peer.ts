// Raw WebSocket peers for ws:// endpoints that tests script by hand (hostile or odd ones): the
// upgrade request or its answer written out, RFC 6455 frames built and read byte by byte, ZWS
// payloads (a flags byte, then the body) inside. Nothing here judges what comes back.
import { strict as assert } from "node:assert"
import { createHash, randomBytes } from "node:crypto"
import { createServer, type Socket as NetSocket, connect as netConnect } from "node:net"

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/** WebSocket opcodes. */
export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa }

/** The Sec-WebSocket-Accept answer to a Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash("sha1")
    .update(key + GUID)
    .digest("base64")
}

/**
 * One WebSocket frame. `mask`: as a client sends it (masked with a fixed, non-zero key);
 * `fin: false` for all but the last fragment of a message.
 */
export function wsFrame(
  opcode: number,
  payload: Uint8Array,
  options: { mask?: boolean; fin?: boolean } = {},
): Buffer {
  const { mask = false, fin = true } = options
  const len = payload.byteLength
  const lenBytes = len < 126 ? 0 : len < 0x1_0000 ? 2 : 8
  const head = Buffer.alloc(2 + lenBytes + (mask ? 4 : 0))
  head[0] = (fin ? 0x80 : 0) | opcode
  head[1] = (mask ? 0x80 : 0) | (lenBytes === 0 ? len : lenBytes === 2 ? 126 : 127)
  if (lenBytes === 2) head.writeUInt16BE(len, 2)
  if (lenBytes === 8) head.writeBigUInt64BE(BigInt(len), 2)
  const body = Buffer.from(payload)
  if (mask) {
    const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d])
    key.copy(head, 2 + lenBytes)
    for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ key[i & 3]!
  }
  return Buffer.concat([head, body])
}

/** A ZWS message's payload: flags (0x01 MORE, 0x02 COMMAND), then the body. */
export function zws(flags: number, body: Uint8Array | string): Buffer {
  return Buffer.concat([Buffer.from([flags]), Buffer.from(body)])
}

/** The ZWS payload of a READY command announcing `socketType` (ZWS2.0/NULL's handshake). */
export function zwsReady(socketType: string): Buffer {
  const value = Buffer.from(socketType)
  const len = Buffer.alloc(4)
  len.writeUInt32BE(value.length)
  const body = Buffer.concat([
    Buffer.from([5]),
    Buffer.from("READY"),
    Buffer.from([11]),
    Buffer.from("Socket-Type"),
    len,
    value,
  ])
  return zws(0x02, body)
}

/** A frame as read off the wire (payload unmasked). */
export interface WsFrameIn {
  fin: boolean
  opcode: number
  masked: boolean
  payload: Buffer
}

/** A parser for a stream of frames: feed it chunks, it calls `onFrame` per complete frame. */
export function frameReader(onFrame: (frame: WsFrameIn) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0)
  return (chunk) => {
    pending = Buffer.concat([pending, chunk])
    for (;;) {
      if (pending.length < 2) return
      const len7 = pending[1]! & 0x7f
      const masked = (pending[1]! & 0x80) !== 0
      const lenBytes = len7 === 126 ? 2 : len7 === 127 ? 8 : 0
      const headSize = 2 + lenBytes + (masked ? 4 : 0)
      if (pending.length < headSize) return
      const len =
        lenBytes === 0
          ? len7
          : lenBytes === 2
            ? pending.readUInt16BE(2)
            : Number(pending.readBigUInt64BE(2))
      if (pending.length < headSize + len) return
      const payload = Buffer.from(pending.subarray(headSize, headSize + len))
      if (masked) {
        const key = pending.subarray(2 + lenBytes, 2 + lenBytes + 4)
        for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!
      }
      onFrame({ fin: (pending[0]! & 0x80) !== 0, opcode: pending[0]! & 0x0f, masked, payload })
      pending = pending.subarray(headSize + len)
    }
  }
}

/** Items that arrive in order, kept; each waiter gets the first one it wants. */
class Arrivals<T> {
  readonly seen: T[] = []
  #waiting: Array<{ want: (item: T) => boolean; resolve: (item: T) => void }> = []

  push(item: T): void {
    this.seen.push(item)
    // Every waiter sees every item once (some count what they have seen).
    const served = this.#waiting.filter((w) => w.want(item))
    this.#waiting = this.#waiting.filter((w) => !served.includes(w))
    for (const w of served) w.resolve(item)
  }

  /** The first item, from the beginning, that `want` accepts (waits for it if none yet). */
  first(want: (item: T) => boolean = () => true): Promise<T> {
    const hit = this.seen.find(want)
    return hit !== undefined
      ? Promise.resolve(hit)
      : new Promise((resolve) => this.#waiting.push({ want, resolve }))
  }
}

/** What an upgrade request is made of; each field can be made wrong on purpose. */
export interface UpgradeRequest {
  /** Default "/". */
  path?: string
  /** The Sec-WebSocket-Protocol header; null leaves it out. Default "ZWS2.0/NULL,ZWS2.0". */
  protocols?: string | null
  /** Further header lines, such as "X-Foo: bar". */
  headers?: string[]
}

/** The text of a GET upgrade request and the key it carries. */
export function upgradeRequest(request: UpgradeRequest = {}): { text: string; key: string } {
  const key = randomBytes(16).toString("base64")
  const protocols = request.protocols === undefined ? "ZWS2.0/NULL,ZWS2.0" : request.protocols
  const lines = [
    `GET ${request.path ?? "/"} HTTP/1.1`,
    "Host: 127.0.0.1",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${key}`,
    "Sec-WebSocket-Version: 13",
    ...(protocols === null ? [] : [`Sec-WebSocket-Protocol: ${protocols}`]),
    ...(request.headers ?? []),
  ]
  return { text: `${lines.join("\r\n")}\r\n\r\n`, key }
}

/** An HTTP answer's head: status and headers (names in lower case). */
export interface HttpHead {
  status: number
  headers: Record<string, string>
}

function parseHead(text: string): HttpHead {
  const [statusLine, ...lines] = text.split("\r\n")
  const status = Number(statusLine!.split(" ")[1])
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status, headers }
}

/**
 * Reads an HTTP head (up to the blank line) off `socket`, then hands every later byte to
 * `rest`. Resolves with the head's text, or with null when the stream ends first.
 */
function readHead(socket: NetSocket, rest: (chunk: Buffer) => void): Promise<string | null> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0)
    let done = false
    socket.on("data", (chunk: Buffer) => {
      if (done) return rest(chunk)
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf("\r\n\r\n")
      if (end < 0) return
      done = true
      resolve(buffered.subarray(0, end).toString("latin1"))
      if (buffered.length > end + 4) rest(buffered.subarray(end + 4))
    })
    socket.once("close", () => {
      if (!done) resolve(null)
    })
  })
}

/** Milliseconds a hostile connection may stay open before a test calls that a failure. */
export const CLOSE_BOUND_MS = 5000

/**
 * A raw client connection to a ws:// endpoint (its host and port; the path goes in the
 * upgrade). Collects the frames that arrive after the upgrade's answer.
 */
export class RawWsClient {
  readonly socket: NetSocket
  readonly frames = new Arrivals<WsFrameIn>()
  /** Bytes that arrived (the answer's head included). */
  received = 0
  readonly closed: Promise<void>
  #head: Promise<string | null>

  private constructor(socket: NetSocket) {
    this.socket = socket
    socket.on("error", () => {
      // ECONNRESET when omq drops us: each test decides what that means.
    })
    socket.on("data", (chunk: Buffer) => {
      this.received += chunk.length
    })
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()))
    this.#head = readHead(
      socket,
      frameReader((f) => this.frames.push(f)),
    )
  }

  static async connect(endpoint: string): Promise<RawWsClient> {
    const url = new URL(endpoint.replace(/^wss?:/, "http:"))
    const socket = netConnect({ host: url.hostname, port: Number(url.port) })
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve)
      socket.once("error", reject)
    })
    return new RawWsClient(socket)
  }

  /** Sends an upgrade request; resolves with the answer's head, or null if closed instead. */
  async upgrade(request: UpgradeRequest = {}): Promise<HttpHead | null> {
    const { text, key } = upgradeRequest(request)
    this.socket.write(text)
    const head = await this.#head
    if (head === null) return null
    const parsed = parseHead(head)
    if (parsed.status === 101) {
      assert.equal(parsed.headers["sec-websocket-accept"], acceptKey(key), "the accept key")
    }
    return parsed
  }

  /** Reads the HTTP answer to whatever was written by hand; null if closed without one. */
  async answer(): Promise<HttpHead | null> {
    const head = await this.#head
    return head === null ? null : parseHead(head)
  }

  /** Sends one frame as a client does (masked unless told otherwise). */
  send(opcode: number, payload: Uint8Array, options: { mask?: boolean; fin?: boolean } = {}): void {
    this.socket.write(wsFrame(opcode, payload, { mask: true, ...options }))
  }

  /** Sends binary messages carrying these ZWS payloads. */
  sendZws(...payloads: Buffer[]): void {
    for (const p of payloads) this.send(OP.binary, p)
  }

  /** The next binary message's payload that is not a command (flags bit 0x02). */
  async nextMessage(after = 0): Promise<Buffer> {
    let index = 0
    const frame = await this.frames.first(
      (f) => f.opcode === OP.binary && ((f.payload[0] ?? 0) & 0x02) === 0 && index++ >= after,
    )
    return frame.payload
  }

  /** Resolves once the server has closed the connection; fails if still open after a bound. */
  async closedByServer(bound = CLOSE_BOUND_MS): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const open = new Promise<"open">((resolve) => {
      timer = setTimeout(() => resolve("open"), bound)
    })
    const outcome = await Promise.race([this.closed.then(() => "closed" as const), open])
    clearTimeout(timer)
    if (outcome === "open") {
      this.socket.destroy()
      await this.closed
      assert.fail(`the server kept the connection open for ${bound} ms`)
    }
  }

  destroy(): void {
    this.socket.destroy()
  }
}

/** One upgrade request that reached a RawWsServer, with the connection it came on. */
export class RawWsConnection {
  readonly socket: NetSocket
  readonly path: string
  readonly headers: Record<string, string>
  readonly frames: Arrivals<WsFrameIn>
  readonly closed: Promise<void>
  readonly #key: string

  constructor(socket: NetSocket, head: string, frames: Arrivals<WsFrameIn>) {
    this.socket = socket
    const [requestLine, ...lines] = head.split("\r\n")
    this.path = requestLine!.split(" ")[1]!
    const { headers } = parseHead(`HTTP/1.1 0\r\n${lines.join("\r\n")}`)
    this.headers = headers
    this.#key = headers["sec-websocket-key"] ?? ""
    this.frames = frames
    this.closed = new Promise((resolve) =>
      socket.closed ? resolve() : socket.once("close", () => resolve()),
    )
  }

  /** The subprotocols offered, as listed. */
  get offered(): string[] {
    return (this.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim())
  }

  /** Completes the upgrade, selecting `protocol` (null: selects none). */
  accept(protocol: string | null): void {
    const lines = [
      "HTTP/1.1 101 Switching Protocols",
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Accept: ${acceptKey(this.#key)}`,
      ...(protocol === null ? [] : [`Sec-WebSocket-Protocol: ${protocol}`]),
    ]
    this.socket.write(`${lines.join("\r\n")}\r\n\r\n`)
  }

  /** Sends one frame as a server does (unmasked unless told otherwise). */
  send(opcode: number, payload: Uint8Array, options: { mask?: boolean; fin?: boolean } = {}): void {
    this.socket.write(wsFrame(opcode, payload, options))
  }

  /** Sends binary messages carrying these ZWS payloads. */
  sendZws(...payloads: Buffer[]): void {
    for (const p of payloads) this.send(OP.binary, p)
  }

  /** How many frames with `opcode` have arrived so far. */
  count(opcode: number): number {
    return this.frames.seen.filter((f) => f.opcode === opcode).length
  }
}

/**
 * A TCP server that reads each connection's upgrade request and hands it to `onUpgrade`, which
 * answers (or not) as the test wants. Connections it accepted are kept, in order.
 */
export class RawWsServer {
  readonly connections = new Arrivals<RawWsConnection>()
  readonly #server = createServer()
  readonly #sockets = new Set<NetSocket>()

  private constructor(onUpgrade: (conn: RawWsConnection, index: number) => void) {
    let count = 0
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket)
      socket.once("close", () => this.#sockets.delete(socket))
      socket.on("error", () => {})
      const frames = new Arrivals<WsFrameIn>()
      void readHead(
        socket,
        frameReader((f) => frames.push(f)),
      ).then((head) => {
        if (head === null) return
        const conn = new RawWsConnection(socket, head, frames)
        this.connections.push(conn)
        onUpgrade(conn, count++)
      })
    })
  }

  static async listen(
    onUpgrade: (conn: RawWsConnection, index: number) => void,
  ): Promise<RawWsServer> {
    const server = new RawWsServer(onUpgrade)
    await new Promise<void>((resolve) => server.#server.listen(0, "127.0.0.1", resolve))
    return server
  }

  /** A ws:// endpoint that reaches this server. */
  endpoint(path = "/raw"): string {
    const { port } = this.#server.address() as { port: number }
    return `ws://127.0.0.1:${port}${path}`
  }

  /** The `n`th upgrade request (from 0), once it has arrived. */
  nth(n: number): Promise<RawWsConnection> {
    let index = 0
    return this.connections.first(() => index++ === n)
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
