// Shared plumbing for the interop suites that run omq against libzmq (the `zeromq` package).
import { strict as assert } from "node:assert"
import { createServer } from "node:net"
import { after, describe } from "node:test"
import { Context } from "omq"
import type * as zmq from "zeromq"

/** The IO modes every interop suite runs under: in-thread IO and one IO worker thread. */
export const IO_THREAD_MODES = [0, 1] as const

/**
 * Runs `fn` once per IO mode, each inside its own describe block with its own Context, which is
 * terminated after the block.
 */
export function forEachIoThreads(
  title: string,
  fn: (ctx: Context, ioThreads: number) => void,
  options: { timeout?: number } = {},
): void {
  for (const ioThreads of IO_THREAD_MODES) {
    describe(`${title} (ioThreads: ${ioThreads})`, { timeout: options.timeout ?? 20_000 }, () => {
      const ctx = new Context({ ioThreads })
      after(async () => {
        await ctx.closeSocketsAndTerminate()
      })
      fn(ctx, ioThreads)
    })
  }
}

/** A TCP port that was free a moment ago (bound by a throwaway server, then released). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", resolve)
  })
  const address = server.address()
  assert.ok(address !== null && typeof address === "object")
  const port = address.port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** `tcp://127.0.0.1:<port>` at a port nobody listens on (see freePort). */
export async function freeEndpoint(): Promise<string> {
  return `tcp://127.0.0.1:${await freePort()}`
}

/** The one message-bearing surface both libraries share. */
export interface Sender {
  send(message: Buffer[]): Promise<void>
}
export interface Receiver {
  receive(): Promise<Buffer[]>
}

/** Something to close at the end of a test: an omq socket (awaits `finished`) or a zeromq one. */
interface Closable {
  close(): void
  readonly closed: boolean
  readonly finished?: Promise<void>
}

/** Collects sockets and closes them (linger 0 is the caller's business) in one go. */
export class Sockets {
  readonly #list: Closable[] = []

  add<T extends Closable>(socket: T): T {
    this.#list.push(socket)
    return socket
  }

  async closeAll(): Promise<void> {
    const list = this.#list.splice(0)
    for (const s of list) if (!s.closed) s.close()
    await Promise.all(list.map((s) => s.finished ?? Promise.resolve()))
  }
}

/** A deterministic byte pattern of `size` bytes, varied by `seed`, with a period that is not a power of two. */
export function pattern(size: number, seed = 0): Buffer {
  const buf = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + seed * 7 + (i >>> 8)) % 251
  return buf
}

/** Asserts that two frames are byte-identical without printing megabytes on failure. */
export function assertSameBytes(actual: Buffer | undefined, expected: Buffer, what: string): void {
  assert.ok(actual !== undefined, `${what}: frame missing`)
  assert.equal(actual.length, expected.length, `${what}: length`)
  if (!actual.equals(expected)) {
    let i = 0
    while (i < expected.length && actual[i] === expected[i]) i++
    assert.fail(`${what}: first differing byte at offset ${i} (${actual[i]} != ${expected[i]})`)
  }
}

/** Asserts a received message equals the expected frames, frame by frame. */
export function assertFrames(actual: Buffer[], expected: Buffer[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: frame count`)
  for (let i = 0; i < expected.length; i++) {
    assertSameBytes(actual[i], expected[i] as Buffer, `${what}: frame ${i}`)
  }
}

/** The message-shape cases both suites run in each direction. */
export const SHAPES: ReadonlyArray<{ name: string; frames: () => Buffer[] }> = [
  {
    name: "a multipart message of 5 frames keeps frame order",
    frames: () => ["alpha", "beta", "gamma", "delta", "epsilon"].map((s) => Buffer.from(s)),
  },
  {
    name: "empty frames (alone, first, middle and last) survive",
    frames: () => [Buffer.alloc(0), Buffer.from("x"), Buffer.alloc(0), Buffer.alloc(0)],
  },
  {
    name: "a single empty frame survives",
    frames: () => [Buffer.alloc(0)],
  },
  {
    name: "255-byte (short size) and 256-byte (long size) frames arrive intact",
    frames: () => [pattern(255, 1), pattern(256, 2), pattern(254, 3), pattern(257, 4)],
  },
  {
    name: "a 1 MiB frame arrives byte-for-byte",
    frames: () => [Buffer.from("head"), pattern(1 << 20, 5), Buffer.from("tail")],
  },
]

/** Encodes a sequence number as the first frame of a message in a stream test. */
export function seqFrame(n: number): Buffer {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(n, 0)
  return b
}

/** Sends `count` sequenced two-frame messages, one send at a time (zeromq.js allows no overlap). */
export async function sendSequence(sender: Sender, count: number, tag: string): Promise<void> {
  for (let i = 0; i < count; i++) await sender.send([seqFrame(i), Buffer.from(`${tag}:${i}`)])
}

/** Receives `count` sequenced messages and asserts they arrive complete and in order. */
export async function receiveSequence(
  receiver: Receiver,
  count: number,
  tag: string,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const frames = await receiver.receive()
    assert.equal(frames.length, 2, `message ${i}: frame count`)
    const seq = (frames[0] as Buffer).readUInt32BE(0)
    if (seq !== i) assert.fail(`message ${i}: got sequence number ${seq}`)
    assert.equal((frames[1] as Buffer).toString(), `${tag}:${i}`)
  }
}

/** Resolves with the next event of `type` observed on a zeromq socket. Subscribe before acting. */
export function nextEvent(socket: zmq.Socket, type: zmq.EventType): Promise<void> {
  return new Promise((resolve) => {
    const listener = (): void => {
      socket.events.off(type, listener)
      resolve()
    }
    socket.events.on(type, listener)
  })
}

/**
 * Unbinds a zeromq socket and resolves once libzmq has really closed the listening socket, so
 * the port can be bound again at once. (zeromq.js's close() and unbind() return before libzmq's
 * IO thread lets go of the port; its `close` monitor event marks that moment.)
 */
export async function releaseZmqEndpoint(socket: zmq.Socket, endpoint: string): Promise<void> {
  const closed = nextEvent(socket, "close")
  await socket.unbind(endpoint)
  await closed
}

const PROBE = Buffer.from("probe")

/** Sends probes, a few milliseconds apart, until `receiver` has received one. */
export async function probeUntilReceived(sender: Sender, receiver: Receiver): Promise<void> {
  let arrived = false
  const first = receiver.receive().finally(() => {
    arrived = true
  })
  while (!arrived) {
    await sender.send([PROBE])
    await Promise.race([first, new Promise((resolve) => setTimeout(resolve, 5))])
  }
  assertFrames(await first, [PROBE], "first message at the new peer")
}

/** The next message that is not a leftover probe. */
export async function receiveSkippingProbes(receiver: Receiver): Promise<Buffer[]> {
  for (;;) {
    const frames = await receiver.receive()
    if (!(frames.length === 1 && frames[0]?.equals(PROBE))) return frames
  }
}

/** The resolved endpoint of a socket that was just bound to `tcp://127.0.0.1:*`. */
export function boundEndpoint(socket: { readonly lastEndpoint: string | null }): string {
  const endpoint = socket.lastEndpoint
  assert.ok(endpoint !== null, "lastEndpoint is set after bind")
  assert.match(endpoint, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/)
  return endpoint
}

/**
 * Calls `attempt` until it stops rejecting with ZeroMQ error `code` (any other error fails the
 * test), pausing `pauseMs` between tries. For conditions no event announces, such as a routing
 * id becoming known once a handshake completes.
 */
export async function retryWhile<T>(
  code: string,
  attempt: () => Promise<T>,
  pauseMs = 0,
): Promise<T> {
  for (;;) {
    try {
      return await attempt()
    } catch (err) {
      assert.equal((err as { code?: string }).code, code)
      await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  }
}
