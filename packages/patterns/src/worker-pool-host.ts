import diagnostics from "node:diagnostics_channel"
import { availableParallelism } from "node:os"
import { pathToFileURL } from "node:url"
import { ZmqError } from "omq"
import { move, Piscina } from "piscina"
import { MajordomoWorker, type MajordomoWorkerOptions } from "./majordomo-worker.js"
import { ParanoidPirateWorker, type ParanoidPirateWorkerOptions } from "./paranoid-pirate-worker.js"
import { pack, unpack } from "./worker-pool-frames.js"
import type { PoolThreadData } from "./worker-pool-thread.js"

export interface WorkerPoolOptions {
  /** Threads running the handler, all started at once and kept. Default: the CPUs available. */
  threads?: number
  /** The handler module's export that answers requests. Default "default". */
  name?: string
}

/** How many pattern workers (one DEALER each) to start on the pool. Default: one per thread. */
export interface PoolWorkers {
  workers?: number
}

/** What a pool tells `diagnostics_channel` "omq:patterns:worker-pool". */
export type WorkerPoolEvent = { type: "task-failed"; reason: string }

export const workerPoolEvents = diagnostics.channel("omq:patterns:worker-pool")

/**
 * A pool of threads (piscina) running one request handler, for Majordomo and Paranoid Pirate
 * workers whose handlers are CPU-bound. The worker's socket, its heartbeats and its broker's
 * heartbeats stay on the caller's thread, which the handler no longer blocks: a worker busy
 * for longer than `liveness` heartbeats is not taken for dead.
 *
 * The handler lives in a module of its own (threads load code by file), whose export `name` is
 * a function `(request: Buffer[]) => Message | Promise<Message>`, the same as an in-thread
 * handler. `handler` is that function run on a pool thread; a request's frames go there, and the
 * reply's come back, each packed into one buffer that is moved, not copied (worker-pool-frames).
 *
 * A Majordomo or Paranoid Pirate worker answers one request at a time, so N threads want N
 * workers: serveMajordomo() and serveParanoidPirate() start them, one per thread by default.
 * close() closes those workers, then ends the threads.
 */
export class WorkerPool {
  readonly #piscina: Piscina
  readonly #threads: number
  readonly #workers: Array<{ close(): void }> = []
  #closing: Promise<void> | null = null

  constructor(handler: URL | string, options: WorkerPoolOptions = {}) {
    this.#threads = options.threads ?? availableParallelism()
    if (!Number.isInteger(this.#threads) || this.#threads < 1) {
      throw new ZmqError("EINVAL", `threads must be a whole number from 1, not ${this.#threads}`)
    }
    const data: PoolThreadData = {
      handler: moduleUrl(handler),
      name: options.name ?? "default",
    }
    this.#piscina = new Piscina({
      filename: new URL("./worker-pool-thread.js", import.meta.url).href,
      minThreads: this.#threads,
      maxThreads: this.#threads,
      workerData: data,
    })
  }

  /** How many threads run the handler. */
  get threads(): number {
    return this.#threads
  }

  /** Requests waiting for a thread (more workers than threads, or handler calls of your own). */
  get queued(): number {
    return this.#piscina.queueSize
  }

  /**
   * The handler run on a pool thread, for `new MajordomoWorker(endpoint, service, pool.handler)`
   * or `new ParanoidPirateWorker(endpoint, pool.handler)`. Rejects when the handler throws (with
   * its error), and with EBADF once the pool is closed.
   */
  readonly handler = async (request: Buffer[]): Promise<Buffer[]> => {
    if (this.#closing) throw new ZmqError("EBADF", "the worker pool is closed")
    try {
      return unpack(await this.#piscina.run(move(pack(request))))
    } catch (err) {
      if (this.#closing) throw new ZmqError("EBADF", "the worker pool is closed")
      publish({ type: "task-failed", reason: (err as Error).message })
      throw err
    }
  }

  /** Starts `workers` Majordomo workers of `service` on this pool (closed with it). */
  serveMajordomo(
    endpoint: string,
    service: string,
    options: MajordomoWorkerOptions & PoolWorkers = {},
  ): MajordomoWorker[] {
    const { workers, ...rest } = options
    return this.#start(workers, () => new MajordomoWorker(endpoint, service, this.handler, rest))
  }

  /** Starts `workers` Paranoid Pirate workers on this pool (closed with it). */
  serveParanoidPirate(
    endpoint: string,
    options: ParanoidPirateWorkerOptions & PoolWorkers = {},
  ): ParanoidPirateWorker[] {
    const { workers, ...rest } = options
    return this.#start(workers, () => new ParanoidPirateWorker(endpoint, this.handler, rest))
  }

  /**
   * Closes the workers started here (a Majordomo worker says DISCONNECT), then ends the threads;
   * a request still running is dropped. Resolves once the threads are gone.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing
    for (const worker of this.#workers.splice(0)) worker.close()
    this.#closing = this.#piscina.destroy()
    return this.#closing
  }

  #start<W extends { close(): void }>(count: number | undefined, start: () => W): W[] {
    if (this.#closing) throw new ZmqError("EBADF", "the worker pool is closed")
    const n = count ?? this.#threads
    if (!Number.isInteger(n) || n < 1) {
      throw new ZmqError("EINVAL", `workers must be a whole number from 1, not ${n}`)
    }
    const started = Array.from({ length: n }, start)
    this.#workers.push(...started)
    return started
  }
}

/** A module named by URL, file URL string, or path (relative to the working directory). */
function moduleUrl(handler: URL | string): string {
  if (handler instanceof URL) return handler.href
  return handler.startsWith("file:") ? handler : pathToFileURL(handler).href
}

function publish(event: WorkerPoolEvent): void {
  if (workerPoolEvents.hasSubscribers) workerPoolEvents.publish(event)
}
