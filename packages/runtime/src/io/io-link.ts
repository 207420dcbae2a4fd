import { MessageChannel, type MessagePort, Worker } from "node:worker_threads"
import { ZmqError } from "@omq/transport"
import * as Comlink from "comlink/dist/esm/comlink.mjs"
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs"
import { installErrorHandler } from "./control-errors.js"
import type { ConnectionOptions, IoHostApi, SocketAttachment } from "./host-protocol.js"
import { IoHost } from "./io-host.js"

/**
 * The socket thread's handle on one IoHost: an IO worker thread (commands over comlink) or an
 * in-thread host. Either way every call is asynchronous, so sockets cannot tell them apart.
 */
export interface IoLink {
  attach(socket: SocketAttachment, port: MessagePort): Promise<void>
  bindEndpoint(socketId: number, endpoint: string, options: ConnectionOptions): Promise<string>
  unbindEndpoint(socketId: number, endpoint: string): Promise<void>
  /** See IoHostApi.closed. */
  closed(socketId: number): Promise<void>
  /** Stops the thread (if any). Sockets must be closed first. */
  terminate(): Promise<void>
}

/** Hosts connections on the caller's own thread (`ioThreads: 0`). */
export class LocalIoLink implements IoLink {
  readonly #host = new IoHost()

  async attach(socket: SocketAttachment, port: MessagePort): Promise<void> {
    this.#host.attach(socket, port)
  }
  bindEndpoint(socketId: number, endpoint: string, options: ConnectionOptions): Promise<string> {
    return this.#host.bindEndpoint(socketId, endpoint, options)
  }
  unbindEndpoint(socketId: number, endpoint: string): Promise<void> {
    return this.#host.unbindEndpoint(socketId, endpoint)
  }
  closed(socketId: number): Promise<void> {
    return this.#host.closed(socketId)
  }
  async terminate(): Promise<void> {}
}

/**
 * An IO worker thread. The worker is ref'd only while sockets are attached to it (including
 * sockets lingering to flush after close), so an idle context never keeps the process alive.
 */
export class WorkerIoLink implements IoLink {
  readonly #worker: Worker
  readonly #remote: Comlink.Remote<IoHostApi>
  #attached = 0
  /** Settles when the worker is gone; calls race it so that none waits for ever. */
  readonly #gone: Promise<never>

  constructor() {
    installErrorHandler()
    this.#worker = new Worker(new URL("./io-worker.js", import.meta.url))
    this.#worker.unref()
    this.#remote = Comlink.wrap<IoHostApi>(nodeEndpoint(this.#worker))
    this.#gone = new Promise<never>((_, reject) => {
      const gone = (why: string): void => reject(new ZmqError("ETERM", `IO thread stopped: ${why}`))
      // Without an 'error' listener a crash in the worker would take this thread down too.
      this.#worker.once("error", (err) => gone(String(err)))
      this.#worker.once("exit", (code) => gone(`exit code ${code}`))
    })
    this.#gone.catch(() => {})
  }

  attach(socket: SocketAttachment, port: MessagePort): Promise<void> {
    if (this.#attached++ === 0) this.#worker.ref()
    return this.#call(this.#remote.attach(socket, Comlink.transfer(port, [port as never])))
  }
  bindEndpoint(socketId: number, endpoint: string, options: ConnectionOptions): Promise<string> {
    return this.#call(this.#remote.bindEndpoint(socketId, endpoint, options))
  }
  unbindEndpoint(socketId: number, endpoint: string): Promise<void> {
    return this.#call(this.#remote.unbindEndpoint(socketId, endpoint))
  }
  async closed(socketId: number): Promise<void> {
    try {
      await this.#call(this.#remote.closed(socketId))
    } finally {
      if (--this.#attached === 0) this.#worker.unref()
    }
  }
  async terminate(): Promise<void> {
    this.#remote[Comlink.releaseProxy]()
    await this.#worker.terminate()
  }

  #call<T>(call: Promise<T>): Promise<T> {
    return Promise.race([call, this.#gone])
  }
}

export function createChannelPorts(): [MessagePort, MessagePort] {
  const { port1, port2 } = new MessageChannel()
  return [port1, port2]
}
