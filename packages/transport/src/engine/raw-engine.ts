import type { Engine, EngineHandler } from "./engine.js"
import type { StreamCarrier } from "./stream-carrier.js"

/**
 * A connection without ZMTP, for STREAM sockets: every tcp read is handed up as one message,
 * and every frame written is sent as plain bytes (frame boundaries and flags do not exist on
 * the wire). It is "ready" at once.
 */
export class RawEngine implements Engine {
  readonly #carrier: StreamCarrier
  readonly #handler: EngineHandler
  #pending: Uint8Array[] = []
  readonly #written = new WeakMap<Uint8Array, () => void>()
  #closed = false
  readonly ready = true
  readonly peerMinor = 1

  constructor(carrier: StreamCarrier, handler: EngineHandler) {
    this.#carrier = carrier
    this.#handler = handler
    carrier.start({
      // Each read is a message of its own; one from the shared read buffer is copied.
      data: (bytes, ephemeral) => handler.message([ephemeral ? Buffer.from(bytes) : bytes]),
      readTarget: () => null,
      readSize: () => Number.POSITIVE_INFINITY,
      filled: () => {},
      frame: () => {},
      alive: () => {},
      drain: () => handler.drain(),
      closed: () => this.#finish(),
    })
    // After the constructor returns, so the host has its handle on this engine.
    queueMicrotask(() => {
      if (!this.#closed) {
        handler.ready({
          socketType: "STREAM",
          routingId: new Uint8Array(0),
          minor: 1,
          metadata: new Map(),
          zap: null,
        })
      }
    })
  }

  writeFrame(body: Uint8Array, _more: boolean, owned: boolean): void {
    if (body.byteLength > 0) this.#pending.push(owned ? body : new Uint8Array(body))
  }

  writeFrameHeader(): void {}

  writeBytes(bytes: Uint8Array): void {
    this.#pending.push(new Uint8Array(bytes))
  }

  writeOwned(bytes: Uint8Array, written?: () => void): void {
    this.#pending.push(bytes)
    if (written) this.#written.set(bytes, written)
  }

  zapAnswer(): void {
    // STREAM sockets have no handshake.
  }

  writeEncoded(): void {}

  flush(): boolean {
    if (this.#closed) return true
    const pending = this.#pending
    this.#pending = []
    for (const chunk of pending) {
      const written = this.#written.get(chunk)
      this.#carrier.stream.write(chunk, written ? () => written() : undefined)
    }
    return !this.#carrier.stream.writableNeedDrain
  }

  pause(): void {
    this.#carrier.stream.pause()
  }

  resume(): void {
    if (!this.#closed) this.#carrier.stream.resume()
  }

  end(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.flush()
    // Through the carrier: a connection paused at the receive limit must read on to see the
    // peer's end, or it would never close.
    return new Promise<void>((resolve) => this.#carrier.end(resolve))
  }

  destroy(): void {
    this.#carrier.stream.destroy()
    this.#finish()
  }

  #finish(): void {
    if (this.#closed) return
    this.#closed = true
    for (const chunk of this.#pending) this.#written.get(chunk)?.()
    this.#pending = []
    this.#handler.closed(null, true)
  }
}
