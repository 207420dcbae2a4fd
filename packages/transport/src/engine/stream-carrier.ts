import type { Socket } from "node:net"
import type { Carrier, CarrierEvents } from "./carrier.js"
import { StreamOutput } from "./stream-output.js"

/** A tcp or ipc connection as a Carrier: ZMTP bytes both ways, greetings first. */
export class StreamCarrier implements Carrier {
  readonly greeting = true
  readonly bare = false
  readonly ping = null
  readonly output: StreamOutput
  /** The Node stream, for the STREAM socket's raw engine. */
  readonly stream: Socket

  constructor(stream: Socket) {
    this.stream = stream
    this.output = new StreamOutput(stream)
    stream.setNoDelay(true)
  }

  get remoteAddress(): string {
    return this.stream.remoteAddress ?? ""
  }

  start(events: CarrierEvents): void {
    const stream = this.stream
    stream.on("data", (chunk: Buffer) => events.data(chunk))
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
