import type { Socket } from "node:net"
import type { WebSocket } from "ws"
import type { Carrier, CarrierEvents } from "../engine/carrier.js"
import { ZmqError } from "../errors.js"
import { FLAG_COMMAND, FLAG_MORE, ZWS_COMMAND, ZWS_MORE } from "../zmtp/mod.js"
import { OPCODE_PING, OPCODE_PONG, ZwsOutput } from "./zws-output.js"

const NO_DATA = new Uint8Array(0)
/** Milliseconds a closing connection waits for its peer before it is cut. */
const CLOSE_WAIT = 1_000

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
  constructor(ws: WebSocket, socket: Socket, bare: boolean, client: boolean) {
    this.#ws = ws
    this.#socket = socket
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
      // The last whole message before a fragmented one (see refuseFragment) has gone.
      if (this.#delivered === this.#wholeMessages) this.#dropFragmented()
    })
    // Answered here, not by `ws` (autoPong off): its pong could land inside one of our frames.
    // Not while our writes are backed up: a peer that pings without reading would make us
    // hold every pong (libzmq keeps one at most).
    ws.on("ping", (data: Buffer) => {
      events.alive()
      if (this.#socket.writableNeedDrain) return
      this.output.control(OPCODE_PONG, data)
      this.output.flush()
    })
    ws.on("pong", () => events.alive())
    this.#socket.on("drain", () => events.drain())
    // `ws` refused a frame (too large, a bad opcode, unmasked): drop the peer now, as libzmq
    // does, rather than wait out `ws`'s closing handshake.
    ws.on("error", (err: Error & { code?: string }) => {
      const code = err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? "EMSGSIZE" : "EPROTO"
      this.#drop(this.#error ?? new ZmqError(code, `WebSocket: ${err.message}`))
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
   * frame but leaves tcp open, so waiting for it to close first would wait for ever. A peer
   * that neither closes nor answers is cut off after CLOSE_WAIT (`ws`'s own wait is 30 s, on a
   * timer that would hold the thread).
   */
  end(done: () => void): void {
    if (this.#socket.destroyed) {
      queueMicrotask(done)
      return
    }
    this.#socket.once("close", done)
    this.#ws.close(1000)
    this.#socket.end()
    setTimeout(() => this.#ws.terminate(), CLOSE_WAIT).unref()
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
