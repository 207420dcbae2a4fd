// Shared plumbing for the spec suites (the behaviours of libzmq's tests/test_spec_*.cpp, between
// omq sockets): the transports they run over, and ways to wait for peers and messages without
// sleeping.
import assert from "node:assert/strict"
import { tmpdir } from "node:os"
import { afterEach } from "node:test"
import { setTimeout as delay } from "node:timers/promises"
import type { Context } from "omq"
import { forEachIoThreads, freePort, Sockets } from "./interop.js"
import { classesFor, type SocketClasses } from "./remote-socket.js"

/** Threads hosting the sockets of an inproc-threads suite: one per socket of its largest test. */
const THREADS = 7

/** "inproc-threads": inproc between sockets that each live on a thread of their own. */
export type Transport = "tcp" | "ipc" | "ws" | "inproc" | "inproc-threads"

/** Every transport the spec suites run over. Adding one here runs every spec test over it. */
export const TRANSPORTS: readonly Transport[] = ["tcp", "ipc", "ws", "inproc", "inproc-threads"]

let inprocNames = 0

/** An address to bind a fresh socket to over `transport`; lastEndpoint then says where it is. */
export function bindAddress(transport: Transport): string {
  switch (transport) {
    case "tcp":
      return "tcp://127.0.0.1:*"
    case "ipc":
      return "ipc://*" // a fresh path, as libzmq picks one
    case "ws":
      return "ws://127.0.0.1:*/spec"
    case "inproc":
    case "inproc-threads":
      return `inproc://spec-${process.pid}-${inprocNames++}` // names are process-wide
  }
}

/**
 * An address over `transport` that nothing is bound to yet, for a connect that comes before
 * its bind (tcp: a port that was free a moment ago).
 */
export async function unboundAddress(transport: Transport): Promise<string> {
  switch (transport) {
    case "tcp":
      return `tcp://127.0.0.1:${await freePort()}`
    case "ipc":
      return `ipc://${tmpdir()}/omq-spec-${process.pid}-${inprocNames++}`
    case "ws":
      return `ws://127.0.0.1:${await freePort()}/spec`
    case "inproc":
    case "inproc-threads":
      return `inproc://spec-${process.pid}-${inprocNames++}`
  }
}

/** Where peers connect to a socket just bound with bindAddress(). */
export function endpointOf(socket: { readonly lastEndpoint: string | null }): string {
  const endpoint = socket.lastEndpoint
  assert.ok(endpoint !== null, "lastEndpoint is set after bind")
  assert.ok(!endpoint.includes("*"), `lastEndpoint ${endpoint} is resolved`)
  return endpoint
}

/** A message's frames as strings, for comparing with deepEqual. */
export function text(frames: readonly Uint8Array[]): string[] {
  return frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString())
}

interface Receiving {
  receive(): Promise<Buffer[]>
  receiveTimeout: number
}

/** Asserts that nothing reaches `socket` for `ms` milliseconds (receive() rejects with EAGAIN). */
export async function assertNothingArrives(socket: Receiving, ms = 100): Promise<void> {
  const before = socket.receiveTimeout
  socket.receiveTimeout = ms
  try {
    const got = await socket.receive().then(
      (frames) => frames,
      (err: unknown) => err,
    )
    if (Array.isArray(got)) assert.fail(`expected nothing, received [${text(got).join(", ")}]`)
    assert.equal((got as { code?: string }).code, "EAGAIN", `receive failed with ${String(got)}`)
  } finally {
    socket.receiveTimeout = before
  }
}

/**
 * Keeps one receive() outstanding on each of several sockets and reports which socket the next
 * message reaches. A socket gets a new receive() only at the next call of next(), so a REP can
 * reply in between; receive(i) reads one socket on its own without losing a message to the
 * outstanding call. Receives still outstanding at the end reject when their sockets close.
 */
export class Arrivals {
  readonly #sockets: readonly { receive(): Promise<Buffer[]> }[]
  readonly #pending: (Promise<[number, Buffer[]]> | null)[]

  constructor(sockets: readonly { receive(): Promise<Buffer[]> }[]) {
    this.#sockets = sockets
    this.#pending = sockets.map(() => null)
  }

  async next(): Promise<{ index: number; frames: Buffer[] }> {
    for (const [i, socket] of this.#sockets.entries()) {
      if (this.#pending[i]) continue
      const p = socket.receive().then((frames): [number, Buffer[]] => [i, frames])
      p.catch(() => {}) // the socket closed at the end of the test
      this.#pending[i] = p
    }
    const [index, frames] = await Promise.race(this.#pending.filter((p) => p !== null))
    this.#pending[index] = null
    return { index, frames }
  }

  /** The next message of socket `index` alone, taking over the receive outstanding on it. */
  async receive(index: number): Promise<Buffer[]> {
    const pending = this.#pending[index]
    this.#pending[index] = null
    return pending ? (await pending)[1] : this.#sockets[index]!.receive()
  }
}

/**
 * Runs `roundTrip(i)` for i = 0, 1, ... until it has reported every index below `count`.
 * A bound socket only round-robins over the peers whose connections are up, so a suite that
 * counts on all of them first sends probes (one at a time, each seen to arrive, so none are left
 * over) until each peer has received one. `roundTrip` sends probe i and returns which peer got it.
 */
export async function untilEveryPeerReached(
  count: number,
  roundTrip: (i: number) => Promise<number>,
): Promise<void> {
  const reached = new Set<number>()
  for (let i = 0; reached.size < count; i++) {
    assert.ok(i < 100_000, `only ${reached.size} of ${count} peers reached`)
    reached.add(await roundTrip(i))
  }
}

/**
 * Calls `attempt(i)` for i = 0, 1, ..., a few milliseconds apart, until it rejects with `code`;
 * returns how many attempts succeeded first. For a state change with no event of its own, such
 * as a socket noticing that its peer has gone.
 */
export async function untilRejected(
  code: string,
  attempt: (i: number) => Promise<unknown>,
): Promise<number> {
  for (let i = 0; ; i++) {
    assert.ok(i < 10_000, `never rejected with ${code}`)
    try {
      await attempt(i)
    } catch (err) {
      assert.equal((err as { code?: string }).code, code, `failed with ${String(err)}`)
      return i
    }
    await delay(2)
  }
}

/**
 * Asserts that send() on a socket with no peer to take the message rejects with EAGAIN, and
 * only once `ms` milliseconds have passed. Leaves sendTimeout at `ms`.
 */
export async function assertSendTimesOut(
  socket: { send(message: string): Promise<void>; sendTimeout: number },
  ms: number,
): Promise<void> {
  socket.sendTimeout = ms
  const started = performance.now()
  await assert.rejects(socket.send(`nobody takes this (sendTimeout ${ms})`), { code: "EAGAIN" })
  const waited = performance.now() - started
  assert.ok(waited >= ms - 5, `rejected after ${waited.toFixed(1)} ms, before sendTimeout ${ms}`)
}

/** What the spec helpers use of a socket; SpecSender and SpecReceiver add send or receive. */
interface SpecSocket {
  sendTimeout: number
  receiveTimeout: number
  readonly lastEndpoint: string | null
  connect(endpoint: string): void
  disconnect(endpoint: string): void
}

interface SpecSender extends SpecSocket {
  send(message: string): Promise<void>
}

interface SpecReceiver extends SpecSocket {
  receive(): Promise<Buffer[]>
}

/**
 * block_on_send_no_peers, for a `sender` bound with no peer: send() rejects with EAGAIN once
 * sendTimeout (0, then 100 ms) has passed, and what timed out is gone: a peer that comes later
 * (made by `makePeer`, connected here) gets only what follows. Returns that peer.
 */
export async function assertBlocksWithNoPeers<P extends SpecReceiver>(
  sender: SpecSender,
  makePeer: () => P,
): Promise<P> {
  await assertSendTimesOut(sender, 0)
  await assertSendTimesOut(sender, 100)
  const peer = makePeer()
  peer.connect(endpointOf(sender))
  sender.sendTimeout = -1
  await sender.send("with a peer")
  assert.deepEqual(text(await peer.receive()), ["with a peer"])
  return peer
}

/**
 * destroy_queue_on_disconnect: `bound` has `connected` (connected to `endpoint`) as its only
 * peer and has just sent it two messages. Once `connected` read the first and disconnects, the
 * second is gone with the pipe, `bound` has nowhere to send, and after reconnecting nothing
 * old turns up: the first message is a new one.
 */
export async function assertQueueGoesWithDisconnect(
  bound: SpecSender,
  connected: SpecReceiver,
  endpoint: string,
  first: string,
): Promise<void> {
  assert.deepEqual(text(await connected.receive()), [first]) // the second came too, or is coming
  connected.disconnect(endpoint)
  await assertNothingArrives(connected) // the second went with the pipe, arrived or not
  // `bound` sees its peer go and then has none: sends fail. Those it took before that went
  // into the old connection's queue.
  bound.sendTimeout = 0
  await untilRejected("EAGAIN", (i) => bound.send(`stale ${i}`))
  connected.connect(endpoint)
  bound.sendTimeout = -1
  await bound.send("fresh")
  assert.deepEqual(text(await connected.receive()), ["fresh"])
}

/** A stalled exchange fails its test instead of the whole suite. */
export const BOUND = { timeout: 5_000 }

export interface SpecSuite {
  transport: Transport
  /** The socket classes to make the suite's sockets with (see RemoteSocket for inproc-threads). */
  lib: SocketClasses
  sockets: Sockets
  /** Options for every socket of the suite: its context, linger 0, quick reconnects. */
  opts: { context: Context; linger: number; reconnectInterval: number }
}

/**
 * Runs a spec suite once per transport and IO mode; sockets added to `sockets` are closed after
 * each test.
 */
export function forEachSpecSuite(title: string, body: (suite: SpecSuite) => void): void {
  for (const transport of TRANSPORTS) {
    forEachIoThreads(`spec ${title} over ${transport}`, (context) => {
      const sockets = new Sockets()
      afterEach(() => sockets.closeAll())
      const lib = classesFor(transport, THREADS)
      body({ transport, lib, sockets, opts: { context, linger: 0, reconnectInterval: 20 } })
    })
  }
}
