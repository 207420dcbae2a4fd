import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, type MessageCipher } from "../zmtp/mod.js"
import type { FrameOutput } from "./carrier.js"

/** CURVE's inner flags: bit 0 MORE, bit 1 COMMAND. */
const SEALED_MORE = 1
const SEALED_COMMAND = 2

/**
 * The write side of a ZMTP connection once it is ready: frames go to the output as they are,
 * or under CURVE each one boxed in a MESSAGE (a frame begun with `header` is gathered whole,
 * then sealed). A command that comes up while a frame's body is half written (a PONG) waits
 * for the body's end: a frame is never split.
 *
 * Runs on the connection's thread.
 */
export class FrameWriter {
  readonly #output: FrameOutput
  #cipher: MessageCipher | null = null
  /** Body bytes still owed by a frame begun with `header`. */
  #bodyRemaining = 0
  #heldCommands: Uint8Array[] = []
  /** Under CURVE, a frame begun with `header` is gathered here, then sealed whole. */
  #sealing: { body: Uint8Array; filled: number; more: boolean } | null = null
  #dropped = false

  constructor(output: FrameOutput) {
    this.#output = output
  }

  /** From the end of the handshake on, frames are boxed (CURVE). */
  seal(cipher: MessageCipher | null): void {
    this.#cipher = cipher
  }

  frame(body: Uint8Array, more: boolean, owned: boolean, command: boolean): void {
    if (this.#cipher) {
      this.#sealed((more ? SEALED_MORE : 0) | (command ? SEALED_COMMAND : 0), body)
      return
    }
    this.#output.frame((more ? FLAG_MORE : 0) | (command ? FLAG_COMMAND : 0), body, owned)
  }

  header(size: number, more: boolean): void {
    if (this.#cipher) {
      this.#sealing = { body: Buffer.allocUnsafe(size), filled: 0, more }
      if (size === 0) this.#sealBody()
      return
    }
    this.#output.header(more ? FLAG_MORE : 0, size)
    this.#bodyRemaining = size
  }

  /** Body bytes of the frame begun with `header` (copied). */
  bytes(bytes: Uint8Array): void {
    if (this.#sealing) {
      this.#gather(bytes)
      return
    }
    this.#output.bytes(bytes)
    this.#bodyWritten(bytes.byteLength)
  }

  /** Body bytes the caller gives up; `written` runs once the kernel has them (or they were copied). */
  owned(bytes: Uint8Array, written?: () => void): void {
    if (this.#sealing) {
      this.#gather(bytes)
      written?.()
      return
    }
    this.#output.owned(bytes, written)
    this.#bodyWritten(bytes.byteLength)
  }

  /** A whole frame encoded with its header (a command from the zmtp module). */
  encoded(frame: Uint8Array): void {
    if (this.#bodyRemaining > 0) {
      this.#heldCommands.push(frame)
      return
    }
    if (this.#cipher) {
      const headerSize = (frame[0]! & FLAG_LONG) !== 0 ? 9 : 2
      this.#sealed(SEALED_COMMAND, frame.subarray(headerSize))
      return
    }
    this.#output.bytes(frame)
  }

  /** The connection is gone: a half-gathered frame goes with it, and the cipher's key. */
  drop(): void {
    this.#dropped = true
    this.#cipher?.dispose()
    this.#sealing = null
    this.#heldCommands = []
    this.#output.drop()
  }

  #bodyWritten(bytes: number): void {
    if (this.#bodyRemaining === 0) return
    this.#bodyRemaining -= bytes
    if (this.#bodyRemaining > 0) return
    this.#bodyRemaining = 0
    const held = this.#heldCommands
    this.#heldCommands = []
    for (const frame of held) this.encoded(frame)
  }

  #sealed(flags: number, body: Uint8Array): void {
    // After drop() the cipher's key is wiped: what is still written goes nowhere.
    if (this.#dropped) return
    const cipher = this.#cipher!
    // Sealed straight into the output's chunk when it would copy a frame that size anyway.
    const room = this.#output.frameRoom(0, body.byteLength + cipher.overhead)
    if (room) cipher.sealInto(flags, body, room, 0)
    else this.#output.frame(0, cipher.seal(flags, body), true)
  }

  #gather(bytes: Uint8Array): void {
    const sealing = this.#sealing!
    sealing.body.set(bytes, sealing.filled)
    sealing.filled += bytes.byteLength
    if (sealing.filled >= sealing.body.byteLength) this.#sealBody()
  }

  #sealBody(): void {
    const { body, more } = this.#sealing!
    this.#sealing = null
    this.#sealed(more ? SEALED_MORE : 0, body)
  }
}

/** A MESSAGE's inner flags as ZMTP frame flags. */
export function unsealedFlags(flags: number): number {
  return (flags & SEALED_MORE ? FLAG_MORE : 0) | (flags & SEALED_COMMAND ? FLAG_COMMAND : 0)
}
