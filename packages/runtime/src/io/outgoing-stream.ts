import type { Engine } from "@omq/transport"
import { FrameAssembler } from "../ring/frame-assembler.js"
import type { HostedPeer } from "./hosted-peer.js"

/** What the stream needs from its SocketRecordHandler. */
export interface StreamHost {
  peer(id: number): HostedPeer | undefined
  /** The peer has output to flush (and credit to return) at the end of this drain. */
  touched(peer: HostedPeer): void
  /** Hands a transferred frame's memory back to the socket's pool. */
  giveBack(buffer: ArrayBufferLike): void
}

/**
 * A large message arriving from the socket frame by frame (LargeFrame + Chunk records, or a
 * transferred frame). Its first frame decides where all of it goes: straight into the peer's
 * connection when it is up, assembled into the peer's queue when it is not, or nowhere when the
 * peer is gone. Records of one socket are in order, so one message is in progress at a time.
 *
 * Owned by the host's thread.
 */
export class OutgoingStream {
  readonly #host: StreamHost
  readonly #assembler = new FrameAssembler()
  #mode: "idle" | "engine" | "queue" | "drop" = "idle"
  #peer: HostedPeer | null = null
  #engine: Engine | null = null
  /** Bytes still to come for the current frame. */
  #remaining = 0
  #more = false

  constructor(host: StreamHost) {
    this.#host = host
  }

  frameStart(peerId: number, size: number, more: boolean): void {
    if (this.#mode === "idle") {
      const peer = this.#host.peer(peerId)
      this.#peer = peer ?? null
      this.#engine = peer?.writable ? peer.engine : null
      this.#mode = !peer ? "drop" : this.#engine ? "engine" : "queue"
    }
    if (this.#mode === "engine" && this.#peer?.engine !== this.#engine) this.#mode = "drop"
    this.#remaining = size
    this.#more = more
    if (this.#mode === "engine") this.#engine!.writeFrameHeader(size, more)
    else if (this.#mode === "queue") this.#queued(this.#assembler.start(size, more))
    if (size === 0) this.#endFrame()
  }

  /** Bytes of the current frame; `owned` ones were transferred and must be given back. */
  chunk(bytes: Uint8Array, owned: boolean): void {
    const buffer = bytes.buffer
    if (this.#mode === "engine" && this.#peer?.engine === this.#engine) {
      // A transferred frame goes back to the socket's pool once the kernel has it.
      if (owned) this.#engine!.writeOwned(bytes, () => this.#host.giveBack(buffer))
      else this.#engine!.writeBytes(bytes)
    } else if (this.#mode === "queue") {
      this.#queued(this.#assembler.add(bytes, owned))
    } else {
      this.#mode = "drop"
      if (owned) this.#host.giveBack(buffer)
    }
    this.#remaining -= bytes.byteLength
    if (this.#remaining === 0) this.#endFrame()
  }

  /** A message assembled for a peer that was not connected when it started. */
  #queued(frames: Buffer[] | null): void {
    if (!frames) return
    const peer = this.#peer!
    if (this.#host.peer(peer.id) !== peer) {
      // The peer went away meanwhile: give transferred memory back, drop the message.
      for (const f of frames) this.#host.giveBack(f.buffer)
      return
    }
    peer.hold(frames, (b) => this.#host.giveBack(b))
    // The connection may have come up (or drained) while this message was arriving.
    if (peer.writable) {
      peer.flushQueue((b) => this.#host.giveBack(b))
      this.#host.touched(peer)
    }
  }

  #endFrame(): void {
    if (this.#more) return
    const peer = this.#peer
    // A message cut short by its connection is lost, as in libzmq, but its send credit must
    // still go back when the pipe lives on (a connect() pipe across a reconnect).
    const cut = this.#mode === "drop" && peer !== null && this.#host.peer(peer.id) === peer
    if (peer && (this.#mode === "engine" || cut)) {
      peer.written++
      this.#host.touched(peer)
    }
    this.#mode = "idle"
    this.#peer = null
    this.#engine = null
  }
}
