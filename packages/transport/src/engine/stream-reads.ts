import { Socket, type SocketConstructorOpts } from "node:net"
import type { CarrierEvents } from "./carrier.js"

/**
 * The read buffer of this thread's byte-stream connections. One serves them all: a read is
 * handed on (and what is kept of it copied) inside its callback, before the next read runs.
 */
const SCRATCH_SIZE = 64 * 1024
let scratch: Buffer | null = null
/** Its first bytes, for a read that should take few (see CarrierEvents.readSize). */
let scratchStart: Buffer | null = null

/** Where a stopped connection's reads go. */
const DROP: CarrierEvents = {
  data: () => {},
  readTarget: () => null,
  readSize: () => Number.POSITIVE_INFINITY,
  filled: () => {},
  frame: () => {},
  alive: () => {},
  drain: () => {},
  closed: () => {},
}

/**
 * Whether Node's `onread` can be used: reads into memory chosen before each read, without the
 * Readable stream (no buffer allocated per read, no stream bookkeeping). Bun and Deno emulate
 * net.Socket and are given 'data' events instead.
 */
export const directReads =
  typeof process !== "undefined" && !process.versions.bun && !process.versions.deno

/**
 * How a tcp or ipc connection's bytes arrive under `onread`: into the body of a large frame
 * when its engine has one waiting (the kernel writes there, no copy), else into the thread's
 * read buffer, handed on as ephemeral bytes. Bytes read before the engine starts are kept.
 *
 * Runs on the connection's thread.
 */
export class StreamReads {
  #events: CarrierEvents | null = null
  /** What arrived before start() (copies). */
  #early: Uint8Array[] = []
  /** The memory given for the read under way, when it was the engine's. */
  #target: Uint8Array | null = null

  /** The `onread` option of the net.Socket this serves. */
  readonly onread = {
    buffer: (): Uint8Array => this.#next(),
    // True: reading goes on (a pause comes through the socket's pause()).
    callback: (count: number, buffer: Uint8Array): boolean => {
      this.#read(count, buffer)
      return true
    },
  }

  start(events: CarrierEvents): void {
    this.#events = events
    for (const bytes of this.#early) events.data(bytes, false)
    this.#early = []
  }

  /** Whatever is read from now on is dropped (the connection is ending). */
  stop(): void {
    this.#events = DROP
    this.#early = []
  }

  #next(): Uint8Array {
    const target = this.#events?.readTarget() ?? null
    this.#target = target
    if (target) return target
    scratch ??= Buffer.allocUnsafeSlow(SCRATCH_SIZE)
    const size = this.#events?.readSize() ?? SCRATCH_SIZE
    if (size >= SCRATCH_SIZE) return scratch
    if (scratchStart?.byteLength !== size) scratchStart = scratch.subarray(0, size)
    return scratchStart
  }

  #read(count: number, buffer: Uint8Array): void {
    const events = this.#events
    const direct = buffer === this.#target
    this.#target = null
    if (!events) this.#early.push(new Uint8Array(buffer.subarray(0, count)))
    else if (direct) events.filled(count)
    else events.data(buffer.subarray(0, count), true)
  }
}

/**
 * Takes over an accepted connection (from a server made with `pauseOnConnect` where
 * directReads holds, so nothing was read yet) as a socket reading through `reads`: Node's
 * servers accept no `onread`. The new socket counts as the server's connection (its close lets
 * `server.close()` finish); the old object is left without a handle. Where this is not Node,
 * the socket is kept as it is.
 */
export function adoptAccepted(accepted: Socket): { stream: Socket; reads: StreamReads | null } {
  const internal = accepted as unknown as { _handle: unknown; _server: unknown }
  if (!directReads || !internal._handle) return { stream: accepted, reads: null }
  const reads = new StreamReads()
  const options = { handle: internal._handle, readable: true, writable: true, onread: reads.onread }
  const stream = new Socket(options as SocketConstructorOpts)
  ;(stream as unknown as { _server: unknown })._server = internal._server
  internal._server = null
  internal._handle = null
  return { stream, reads }
}
