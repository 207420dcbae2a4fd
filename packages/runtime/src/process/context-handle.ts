import { randomUUID } from "node:crypto"
import { threadId } from "node:worker_threads"

/**
 * What identifies a context in every thread of the process. It is plain data plus shared
 * memory, so it passes through `workerData`, `postMessage` or `setEnvironmentData`, and every
 * thread that holds it works in the same context (Context.fromHandle).
 */
export interface ContextHandle {
  readonly id: string
  readonly ioThreads: number
  /** The thread that made the context: it starts the IO threads and keeps the inproc names. */
  readonly owner: number
  /** Counters all threads share; see the slot names below. */
  readonly state: SharedArrayBuffer
}

/** Next socket id (unique in the context, whatever thread makes the socket). */
const NEXT_SOCKET = 0
/** Next IO thread to hand a socket (round-robin over the whole process). */
const NEXT_IO = 1
/** 1 once zmq_ctx_shutdown's equivalent ran on any thread. */
const SHUT_DOWN = 2
/** The context's ioThreads option as last set on any thread (zeromq.js: a context option). */
const IO_THREADS_SETTING = 3
/** 1 while a ZAP handler is bound at inproc://zeromq.zap.01 (kept by the owner's registry). */
const ZAP_HANDLER = 4
/** From here, one slot per IO thread: its thread id, or 0 while none runs. */
const IO_THREAD = 5
export const MAX_IO_THREADS = 64

export function newContextHandle(ioThreads: number): ContextHandle {
  const state = new SharedArrayBuffer(4 * (IO_THREAD + MAX_IO_THREADS))
  Atomics.store(new Int32Array(state), IO_THREADS_SETTING, ioThreads)
  return { id: randomUUID(), ioThreads, owner: threadId, state }
}

/** Shared counters of a context, read and written with Atomics from any thread. */
export class ContextState {
  readonly #slots: Int32Array

  constructor(handle: ContextHandle) {
    this.#slots = new Int32Array(handle.state)
  }

  nextSocketId(): number {
    return Atomics.add(this.#slots, NEXT_SOCKET, 1) + 1
  }

  nextIoIndex(ioThreads: number): number {
    return (Atomics.add(this.#slots, NEXT_IO, 1) >>> 0) % ioThreads
  }

  /** IO threads for new sockets, on every thread (sockets keep the ones they have). */
  get ioThreads(): number {
    return Atomics.load(this.#slots, IO_THREADS_SETTING)
  }
  set ioThreads(n: number) {
    Atomics.store(this.#slots, IO_THREADS_SETTING, n)
  }

  /** Marks the context shut down; true the first time (on any thread). */
  shutDown(): boolean {
    return Atomics.exchange(this.#slots, SHUT_DOWN, 1) === 0
  }

  get isShutDown(): boolean {
    return Atomics.load(this.#slots, SHUT_DOWN) === 1
  }

  /**
   * Whether a ZAP handler is bound, read by handshakes on any thread: with none, a handshake
   * gets its answer (none) at once instead of asking the socket's thread, which asked the owner.
   */
  get zapHandlerBound(): boolean {
    return Atomics.load(this.#slots, ZAP_HANDLER) === 1
  }

  /** Set by the owner's inproc registry as the handler's name is bound or freed. */
  set zapHandlerBound(bound: boolean) {
    Atomics.store(this.#slots, ZAP_HANDLER, bound ? 1 : 0)
  }

  /** The thread id of IO thread `index`, or 0 when it is not running. */
  ioThread(index: number): number {
    return Atomics.load(this.#slots, IO_THREAD + index)
  }

  /** Set by the owner as an IO thread comes up (its id) or goes (0). */
  setIoThread(index: number, thread: number): void {
    Atomics.store(this.#slots, IO_THREAD + index, thread)
  }
}
