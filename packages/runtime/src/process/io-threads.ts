import { Worker } from "node:worker_threads"
import { ZmqError } from "@omq/transport"
import { deliverToLane, type LaneItem } from "../ring/lane.js"
import type { ContextHandle, ContextState } from "./context-handle.js"
import type { Mailbox } from "./mailbox.js"

/**
 * The IO threads of a context, kept by its owner thread: every IO worker is a child of the
 * owner, so it outlives the user threads whose sockets it serves. Any thread asks for IO thread
 * `index` with the `io.start` call; the worker reports `io.ready` once its own mailbox is open
 * (a command sent before that would be lost), and its thread id goes into the shared state.
 *
 * A dead IO worker (a crash, or killed) leaves its slot empty: the next socket that needs it
 * starts a new one. The sockets it served learn of the death through the thread-death news.
 *
 * The workers are unref'd: sockets keep their own threads alive, and an IO thread with nothing
 * to serve must not keep the process running.
 */
export class IoThreads {
  readonly #handle: ContextHandle
  readonly #state: ContextState
  readonly #starting = new Map<number, Promise<number>>()
  readonly #ready = new Map<number, (thread: number) => void>()
  readonly #workers = new Map<number, Worker>()
  #terminated = false

  constructor(handle: ContextHandle, state: ContextState, mailbox: Mailbox) {
    this.#handle = handle
    this.#state = state
    mailbox.handle("io.start", (index: number) => this.start(index))
    mailbox.handle("io.ready", (index: number, from: number) => {
      this.#state.setIoThread(index, from)
      this.#ready.get(index)?.(from)
    })
  }

  /** Resolves with the thread id of IO thread `index`, starting it if it is not running. */
  start(index: number): Promise<number> {
    if (this.#terminated) return Promise.reject(new ZmqError("ETERM", "context was terminated"))
    const running = this.#state.ioThread(index)
    if (running !== 0) return Promise.resolve(running)
    let starting = this.#starting.get(index)
    if (starting) return starting
    const worker = startIoWorker({ handle: this.#handle, index })
    // Large frames for this thread's sockets, by transfer (see LargeFramesOut). Listened to before
    // unref(): a listener added after it refs the worker's port again.
    worker.on("message", (m: { lane: string; item: LaneItem }) => deliverToLane(m.lane, m.item))
    worker.unref()
    const thread = worker.threadId // -1 once it has exited: read it now
    this.#workers.set(index, worker)
    starting = new Promise<number>((resolve, reject) => {
      this.#ready.set(index, resolve)
      const gone = (why: string): void => {
        if (this.#workers.get(index) === worker) this.#workers.delete(index)
        this.#starting.delete(index)
        this.#ready.delete(index)
        if (this.#state.ioThread(index) === thread) this.#state.setIoThread(index, 0)
        reject(new ZmqError("ETERM", `IO thread ${index} stopped: ${why}`))
      }
      // Without an 'error' listener a crash in the worker would take this thread down too.
      worker.once("error", (err) => gone(String(err)))
      worker.once("exit", (code) => gone(`exit code ${code}`))
    })
    starting.catch(() => {})
    this.#starting.set(index, starting)
    return starting
  }

  /** Kills IO thread `index` as a crash would (for tests of what its sockets see). */
  async kill(index: number): Promise<void> {
    await this.#workers.get(index)?.terminate()
  }

  /** Stops every IO thread; later starts fail with ETERM. */
  async terminate(): Promise<void> {
    this.#terminated = true
    await Promise.all([...this.#workers.values()].map((w) => w.terminate()))
  }
}

/** Set by the bundler (scripts/bundle-package.mjs): io-worker.js then sits beside this code. */
declare const OMQ_BUNDLED: boolean | undefined

const IO_WORKER = new URL(
  typeof OMQ_BUNDLED === "boolean" ? "./io-worker.js" : "../io/io-worker.js",
  import.meta.url,
)

/**
 * A worker inherits the parent's Node flags, and one started from a file dies at once under
 * `--input-type` (valid only beside string input: `node --input-type=module -e ...`, also
 * through NODE_OPTIONS), which
 * made every bind in such a script fail with ETERM. Then the IO worker starts from a string
 * that imports its file. Not always so, and not by passing filtered `execArgv`: Node refuses
 * per-process flags (`--expose-gc`...) given explicitly, where inherited ones are accepted.
 */
function startIoWorker(workerData: unknown): Worker {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ""]
  if (!flags.some((flag) => flag.includes("--input-type"))) {
    return new Worker(IO_WORKER, { workerData })
  }
  return new Worker(`import(${JSON.stringify(IO_WORKER.href)})`, { eval: true, workerData })
}
