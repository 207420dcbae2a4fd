import type { Socket } from "node:net"
import type { WebSocket } from "ws"
import type { Carrier, CarrierEvents } from "../engine/carrier.js"
import { ZmqError } from "../errors.js"
import { FLAG_COMMAND, FLAG_MORE, ZWS_COMMAND, ZWS_MORE } from "../zmtp/mod.js"
import { OPCODE_PING, OPCODE_PONG, ZwsOutput } from "./zws-output.js"

const NO_DATA = new Uint8Array(0)

/**
 * A ws or wss connection (a `ws` WebSocket, opened: accepted by a WsListener or dialled) as a
 * Carrier. Each binary message is handed to the engine as the ZMTP frame it carries, its body a
 * view (no copy, and no bytes to decode).
 * Text messages and empty ones break ZWS and drop the connection; `ws` itself drops unmasked
 * client frames, bad opcodes and messages over `maxPayload`.
 *
 * `bare`: the subprotocol was plain "ZWS2.0" (no mechanism): the first message each side sends
 * is its routing id. Runs on the thread that accepted or dialled it.
 */
export class WsCarrier implements Carrier {
  readonly transport: "ws" | "wss"
  readonly greeting = false
  readonly bare: boolean
  readonly output: ZwsOutput
  readonly ping: () => void
  readonly #ws: WebSocket
  readonly #socket: Socket
  /** Why the connection was dropped, when it broke ZWS or `ws` refused a frame. */
  #error: ZmqError | null = null
  /** Messages `ws` handed on, and how many are the peer's before a fragmented one. */
  #delivered = 0
  #wholeMessages = Number.POSITIVE_INFINITY

  /** `client`: this side dialled (its frames are masked). */
  constructor(
    ws: WebSocket,
    socket: Socket,
    transport: "ws" | "wss",
    bare: boolean,
    client: boolean,
  ) {
    this.#ws = ws
    this.#socket = socket
    this.transport = transport
    this.bare = bare
    const output = new ZwsOutput(socket, client)
    this.output = output
    // Empty pings, as libzmq sends; the engine flushes after.
    this.ping = () => output.control(OPCODE_PING, NO_DATA)
    socket.setNoDelay(true)
  }

  get remoteAddress(): string {
    return this.#socket.remoteAddress ?? ""
  }

  start(events: CarrierEvents): void {
    const ws = this.#ws
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (this.#error) return
      if (this.#delivered++ >= this.#wholeMessages) return this.#dropFragmented()
      if (!isBinary) return this.#drop(new ZmqError("EPROTO", "text message over ZWS"))
      if (data.byteLength === 0) return this.#drop(new ZmqError("EPROTO", "empty ZWS message"))
      const zws = data[0]!
      events.frame(
        (zws & ZWS_MORE ? FLAG_MORE : 0) | (zws & ZWS_COMMAND ? FLAG_COMMAND : 0),
        data.subarray(1),
      )
    })
    // Answered here, not by `ws` (autoPong off): its pong could land inside one of our frames.
    ws.on("ping", (data: Buffer) => {
      events.alive()
      this.output.control(OPCODE_PONG, data)
      this.output.flush()
    })
    ws.on("pong", () => events.alive())
    this.#socket.on("drain", () => events.drain())
    ws.on("error", (err: Error & { code?: string }) => {
      this.#error ??= new ZmqError(
        err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? "EMSGSIZE" : "EPROTO",
        `WebSocket: ${err.message}`,
      )
    })
    ws.on("close", () => events.closed(this.#error))
  }

  pause(): void {
    this.#ws.pause()
  }

  resume(): void {
    this.#ws.resume()
  }

  /**
   * A close frame after what was written, then the end of the stream: libzmq echoes a close
   * frame but leaves tcp open, so waiting for it to close first would wait for ever.
   */
  end(done: () => void): void {
    if (this.#socket.destroyed) {
      queueMicrotask(done)
      return
    }
    this.#socket.once("close", done)
    this.#ws.close(1000)
    this.#socket.end()
  }

  destroy(): void {
    this.#ws.terminate()
  }

  unref(): void {
    this.#socket.unref()
  }

  onClose(listener: () => void): void {
    this.#ws.once("close", listener)
  }

  /**
   * The peer fragmented a message (see guardAgainstFragments), which ZWS forbids: the messages
   * before it are still handed on (the guard reads a chunk before `ws` does), then the
   * connection is dropped.
   */
  refuseFragment(wholeMessagesBefore: number): void {
    this.#wholeMessages = wholeMessagesBefore
    if (this.#delivered >= wholeMessagesBefore) this.#dropFragmented()
  }

  #dropFragmented(): void {
    this.#drop(new ZmqError("EPROTO", "fragmented ZWS message"))
  }

  #drop(error: ZmqError): void {
    this.#error = error
    this.#ws.terminate()
  }
}
