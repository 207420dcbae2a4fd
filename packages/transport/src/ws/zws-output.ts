import type { Socket } from "node:net"
import { type Framing, StreamOutput } from "../engine/stream-output.js"
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, ZWS_COMMAND, ZWS_MORE } from "../zmtp/mod.js"

const OPCODE_BINARY = 0x2
const OPCODE_PING = 0x9
const OPCODE_PONG = 0xa
const FIN = 0x80
const MASKED = 0x80

/**
 * Data frames as WebSocket frames, ZWS 2.0's way: one binary message (FIN set) per ZMTP frame,
 * its payload the ZWS flags byte and the body. A client's frames are masked with a key of zeros
 * (see zeroMask in ws-dialer.ts), so the body goes out as it is.
 */
function zwsFraming(client: boolean): Framing {
  const maskBytes = client ? 4 : 0
  return {
    headerSize: (bodySize) => wsHeaderSize(bodySize + 1) + maskBytes + 1,
    writeHeader(out, at, flags, bodySize) {
      let i = writeWsHeader(out, at, OPCODE_BINARY, bodySize + 1, client)
      out[i++] = (flags & FLAG_MORE ? ZWS_MORE : 0) | (flags & FLAG_COMMAND ? ZWS_COMMAND : 0)
      return i
    },
  }
}

/**
 * Frames out over ws, gathered like a byte stream's (StreamOutput: chunks, owned large bodies
 * without a copy, one corked write per flush) but framed as WebSocket messages. `ws` still does
 * everything else (the upgrade, reading, close); only this hot path writes frames itself,
 * because one `ws.send()` per message costs two writes and two buffers each and halved the
 * rate of small messages. libzmq never coalesces or splits ZWS frames, and neither does this.
 *
 * Pings and pongs are written here too (never in the middle of a frame whose body is still
 * coming): the WebSocket's own writes could land inside one. Runs on the connection's thread.
 */
export class ZwsOutput extends StreamOutput {
  readonly #client: boolean
  /** Body bytes still owed by a frame begun with header(). */
  #bodyRemaining = 0
  #heldControl: Uint8Array[] = []

  constructor(socket: Socket, client: boolean) {
    super(socket, zwsFraming(client))
    this.#client = client
  }

  override header(flags: number, size: number): void {
    super.header(flags, size)
    this.#bodyRemaining = size
  }

  /** Body bytes of an open frame, or else whole encoded ZMTP frames (commands, handshake's). */
  override bytes(bytes: Uint8Array): void {
    if (this.#bodyRemaining > 0) {
      super.bytes(bytes)
      this.#bodyWritten(bytes.byteLength)
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

  override owned(bytes: Uint8Array, written?: () => void): void {
    super.owned(bytes, written)
    this.#bodyWritten(bytes.byteLength)
  }

  /** A ping (empty, as libzmq sends) or the pong that answers one. */
  control(opcode: typeof OPCODE_PING | typeof OPCODE_PONG, data: Uint8Array): void {
    const size = Math.min(data.byteLength, 125) // a control frame's payload limit
    const frame = new Uint8Array(2 + (this.#client ? 4 : 0) + size)
    const at = writeWsHeader(frame, 0, opcode, size, this.#client)
    frame.set(data.subarray(0, size), at)
    if (this.#bodyRemaining > 0) this.#heldControl.push(frame)
    else super.bytes(frame)
  }

  override drop(): void {
    this.#heldControl = []
    super.drop()
  }

  #bodyWritten(count: number): void {
    this.#bodyRemaining -= count
    if (this.#bodyRemaining > 0) return
    this.#bodyRemaining = 0
    const held = this.#heldControl
    this.#heldControl = []
    for (const frame of held) super.bytes(frame)
  }
}

export { OPCODE_PING, OPCODE_PONG }

function wsHeaderSize(payload: number): number {
  return payload < 126 ? 2 : payload < 0x1_0000 ? 4 : 10
}

/** RFC 6455 §5.2: FIN, opcode, length (7, 16 or 64 bits), and a zero masking key for a client. */
function writeWsHeader(
  out: Uint8Array,
  at: number,
  opcode: number,
  payload: number,
  client: boolean,
): number {
  const mask = client ? MASKED : 0
  out[at++] = FIN | opcode
  if (payload < 126) out[at++] = mask | payload
  else if (payload < 0x1_0000) {
    out[at++] = mask | 126
    out[at++] = payload >>> 8
    out[at++] = payload & 0xff
  } else {
    out[at++] = mask | 127
    const view = new DataView(out.buffer, out.byteOffset + at, 8)
    view.setUint32(0, Math.floor(payload / 0x1_0000_0000))
    view.setUint32(4, payload >>> 0)
    at += 8
  }
  if (client) {
    // Four stores: Buffer#fill over four bytes costs more than the rest of the header.
    out[at++] = 0
    out[at++] = 0
    out[at++] = 0
    out[at++] = 0
  }
  return at
}
