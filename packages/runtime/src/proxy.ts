import { ZmqError } from "@omq/transport"
import { SocketBase } from "./socket/socket-base.js"
import type { Readable, Writable } from "./socket/socket-capabilities.js"

/** Messages and bytes forwarded in one direction. */
export interface ProxyDirectionStats {
  messages: number
  bytes: number
}

export interface ProxyStats {
  frontToBack: ProxyDirectionStats
  backToFront: ProxyDirectionStats
}

/**
 * Forwards messages between two sockets in both directions, like zmq_proxy_steerable, with
 * the zeromq.js v6 API: `await proxy.run()` until `terminate()`; `pause()` / `resume()`; an
 * optional capture socket that gets a copy of everything forwarded. It runs as two async loops
 * on the event loop, so it never blocks it. A direction whose source cannot receive (a PUSH, a
 * PUB) is simply not run.
 */
export class Proxy<F extends SocketBase = SocketBase, B extends SocketBase = SocketBase> {
  readonly frontEnd: F
  readonly backEnd: B
  readonly capture: SocketBase | undefined
  readonly stats: ProxyStats = {
    frontToBack: { messages: 0, bytes: 0 },
    backToFront: { messages: 0, bytes: 0 },
  }
  #running = false
  #terminated = false
  /** Settles at terminate(): a forward waiting on a full or peerless socket stops waiting. */
  #stop: Promise<void> = new Promise(() => {})
  #signalStop: () => void = () => {}
  #paused: Promise<void> | null = null
  #resume: (() => void) | null = null

  constructor(frontEnd: F, backEnd: B, capture?: SocketBase) {
    checkSocket(frontEnd, "Front-end")
    checkSocket(backEnd, "Back-end")
    if (capture !== undefined) checkSocket(capture, "Capture")
    this.frontEnd = frontEnd
    this.backEnd = backEnd
    this.capture = capture
  }

  /** Forwards until terminate() (or a socket closes). Rejects EBUSY when already running. */
  async run(): Promise<void> {
    if (this.#running) throw new ZmqError("EBUSY", "proxy is already running")
    if (this.#terminated) throw new ZmqError("ETERM", "proxy was terminated")
    // As zeromq.js: a proxy between sockets that go nowhere would wait for ever.
    for (const [socket, end] of [
      [this.frontEnd, "Front-end"],
      [this.backEnd, "Back-end"],
    ] as const) {
      if (!socket.hasEndpoints) {
        throw ZmqError.withMessage("EINVAL", `${end} socket must be bound or connected`)
      }
    }
    this.#running = true
    this.#stop = new Promise((resolve) => {
      this.#signalStop = resolve
    })
    try {
      await Promise.all([
        this.#pump(this.frontEnd, this.backEnd, this.stats.frontToBack),
        this.#pump(this.backEnd, this.frontEnd, this.stats.backToFront),
      ])
    } finally {
      this.#running = false
    }
  }

  /** Stops forwarding (messages wait in the sockets, under their high-water marks). */
  pause(): void {
    if (this.#paused || this.#terminated) return
    this.#paused = new Promise((resolve) => {
      this.#resume = resolve
    })
  }

  resume(): void {
    this.#resume?.()
    this.#paused = null
    this.#resume = null
  }

  /**
   * Ends run(). The sockets stay open; close them as usual. EBADF when the proxy is not running
   * (not started yet, or ended), as zeromq.js's, whose control socket exists only meanwhile.
   */
  terminate(): void {
    if (!this.#running) throw new ZmqError("EBADF", "the proxy is not running")
    this.#terminated = true
    this.#signalStop()
    this.resume()
    // The loops' waiting receives must not swallow a message meant for whoever reads next.
    this.frontEnd.cancelPendingReceives()
    this.backEnd.cancelPendingReceives()
  }

  async #pump(from: SocketBase, to: SocketBase, stats: ProxyDirectionStats): Promise<void> {
    if (!canReceive(from)) return
    while (!this.#terminated && !from.closed && !to.closed) {
      if (this.#paused) await this.#paused
      let frames: Buffer[]
      try {
        frames = await calls(from).receive()
      } catch (err) {
        if ((err as ZmqError).code === "EAGAIN") continue // a timeout, or closed: the loop decides
        throw err
      }
      if (this.#terminated) return
      stats.messages++
      for (const f of frames) stats.bytes += f.length
      if (this.capture && !this.capture.closed) await calls(this.capture).send(frames)
      // libzmq's proxy reads only from a side whose other side can take it, so TERMINATE is
      // always heard; ours has the message in hand already. terminate() ends run() without it:
      // the send stays queued in `to` (delivered if a peer comes, else dropped at its close).
      const sent = calls(to).send(frames)
      sent.catch(() => {}) // a close after terminate() rejects it: nobody waits for it then
      await Promise.race([sent, this.#stop])
    }
  }
}

/** zeromq.js's checks: TypeError when there is no object at all, EINVAL for a non-socket. */
function checkSocket(socket: unknown, end: string): void {
  if (typeof socket !== "object" || socket === null) {
    throw new TypeError(`${end} must be a socket object`)
  }
  if (!(socket instanceof SocketBase)) throw new ZmqError("EINVAL", `${end} is not a socket`)
}

/**
 * A socket's message calls, whatever its class shows (see socket-capabilities.ts): every socket
 * has them at run time. One whose type cannot send rejects with ENOTSUP there; one that cannot
 * receive is not pumped from.
 */
function calls(socket: SocketBase): Readable & Writable<Buffer[]> {
  return socket as unknown as Readable & Writable<Buffer[]>
}

const SEND_ONLY = new Set(["PUSH", "PUB"])

function canReceive(socket: SocketBase): boolean {
  return !SEND_ONLY.has(socket.type)
}
