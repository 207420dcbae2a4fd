import type { Socket } from "node:net"
import type { Carrier, CarrierEvents } from "./carrier.js"
import { StreamOutput } from "./stream-output.js"
import type { StreamReads } from "./stream-reads.js"

/**
 * A tcp or ipc connection as a Carrier: ZMTP bytes both ways, greetings first. Bytes come
 * through `reads` (Node's onread) when the socket was made with it, else as 'data' events.
 */
export class StreamCarrier implements Carrier {
  readonly greeting = true
  readonly bare = false
  readonly ping = null
  readonly output: StreamOutput
  /** The Node stream, for the STREAM socket's raw engine. */
  readonly stream: Socket
  readonly #reads: StreamReads | null

  constructor(stream: Socket, reads: StreamReads | null = null) {
    this.stream = stream
    this.#reads = reads
    this.output = new StreamOutput(stream)
    stream.setNoDelay(true)
  }

  get remoteAddress(): string {
    return this.stream.remoteAddress ?? ""
  }

  start(events: CarrierEvents): void {
    const stream = this.stream
    if (this.#reads) {
      this.#reads.start(events)
      stream.resume() // flowing, so the stream's end and close are seen
    } else stream.on("data", (chunk: Buffer) => events.data(chunk, false))
    stream.on("drain", () => events.drain())
    stream.on("error", () => {}) // the close that follows says it
    stream.on("close", () => events.closed(null))
  }

  pause(): void {
    this.stream.pause()
  }

  resume(): void {
    this.stream.resume()
  }

  end(done: () => void): void {
    if (this.stream.destroyed) {
      queueMicrotask(done)
      return
    }
    this.stream.once("close", done)
    this.stream.end()
    if (this.#reads) {
      // A paused onread socket reads nothing, so it would never see the peer's end and close:
      // what comes now is read and dropped.
      this.#reads.stop()
      this.stream.resume()
    }
  }

  destroy(): void {
    this.stream.destroy()
  }

  unref(): void {
    this.stream.unref()
  }

  onClose(listener: () => void): void {
    this.stream.once("close", listener)
  }
}
