import type { Socket } from "node:net"
import type { WebSocket } from "ws"
import type { FrameOutput } from "../engine/carrier.js"
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, ZWS_COMMAND, ZWS_MORE } from "../zmtp/mod.js"

/** A ZMTP frame's flags as a ZWS flags byte. */
function zwsFlags(flags: number): number {
  return (flags & FLAG_MORE ? ZWS_MORE : 0) | (flags & FLAG_COMMAND ? ZWS_COMMAND : 0)
}

/**
 * Frames out over ws: each ZMTP frame becomes one binary WebSocket message (its ZWS flags byte,
 * then the body), gathered until flush() and then sent in one corked burst, so many small
 * messages still cost one write. libzmq never coalesces or splits frames, and neither may we.
 * Runs on the connection's thread.
 */
export class ZwsOutput implements FrameOutput {
  readonly #ws: WebSocket
  /** The connection under the WebSocket: corked around a burst, and its drain state. */
  readonly #socket: Socket
  #pending: Buffer[] = []
  /** A frame begun with header(): its payload, filled by bytes() and owned(). */
  #open: Buffer | null = null
  #filled = 0
  /**
   * Callbacks of owned bytes, by the payload that carries them: they run once `ws` has written
   * it, never inside the call that handed the bytes over (the caller may be mid-send).
   */
  readonly #written = new Map<Buffer, (() => void)[]>()

  constructor(ws: WebSocket, socket: Socket) {
    this.#ws = ws
    this.#socket = socket
  }

  frame(flags: number, body: Uint8Array, _owned: boolean): void {
    // The flags byte goes before the body: one copy, which ws then writes without another.
    const payload = Buffer.allocUnsafe(1 + body.byteLength)
    payload[0] = zwsFlags(flags)
    payload.set(body, 1)
    this.#pending.push(payload)
  }

  header(flags: number, size: number): void {
    const payload = Buffer.allocUnsafe(1 + size)
    payload[0] = zwsFlags(flags)
    this.#open = payload
    this.#filled = 1
    if (size === 0) this.#close()
  }

  /** Body bytes of an open frame, or else whole encoded frames (commands, the handshake's). */
  bytes(bytes: Uint8Array): void {
    if (this.#open) {
      this.#fill(bytes)
      return
    }
    let at = 0
    while (at < bytes.byteLength) {
      const flags = bytes[at]!
      const long = (flags & FLAG_LONG) !== 0
      const header = long ? 9 : 2
      const view = new DataView(bytes.buffer, bytes.byteOffset + at)
      const size = long ? view.getUint32(1) * 0x1_0000_0000 + view.getUint32(5) : bytes[at + 1]!
      this.frame(flags, bytes.subarray(at + header, at + header + size), false)
      at += header + size
    }
  }

  owned(bytes: Uint8Array, written?: () => void): void {
    const payload = this.#open!
    if (written) {
      const callbacks = this.#written.get(payload)
      if (callbacks) callbacks.push(written)
      else this.#written.set(payload, [written])
    }
    this.#fill(bytes)
  }

  flush(): boolean {
    const pending = this.#pending
    if (pending.length > 0) {
      this.#pending = []
      if (pending.length === 1) this.#send(pending[0]!)
      else {
        this.#socket.cork()
        for (const payload of pending) this.#send(payload)
        this.#socket.uncork()
      }
    }
    return !this.#socket.writableNeedDrain
  }

  drop(): void {
    this.#pending = []
    this.#open = null
    const written = [...this.#written.values()]
    this.#written.clear()
    for (const callbacks of written) for (const callback of callbacks) callback()
  }

  #send(payload: Buffer): void {
    const callbacks = this.#written.get(payload)
    if (!callbacks) {
      this.#ws.send(payload, { binary: true })
      return
    }
    this.#written.delete(payload)
    // Written or failed, the memory is free again either way.
    this.#ws.send(payload, { binary: true }, () => {
      for (const callback of callbacks) callback()
    })
  }

  #fill(bytes: Uint8Array): void {
    const open = this.#open!
    open.set(bytes, this.#filled)
    this.#filled += bytes.byteLength
    if (this.#filled >= open.byteLength) this.#close()
  }

  #close(): void {
    this.#pending.push(this.#open!)
    this.#open = null
  }
}
