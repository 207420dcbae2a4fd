import type { ZapAnswer } from "../zmtp/mod.js"

/**
 * What a host needs from one connection, whatever it speaks: ZMTP (ZmtpEngine) or raw bytes
 * (RawEngine, for STREAM sockets). Output is gathered and written once per flush().
 */
export interface Engine {
  /** The handshake is done: messages may be written. */
  readonly ready: boolean
  /** ZMTP minor version of the peer (1 where the question does not apply). */
  readonly peerMinor: number
  /** Appends one frame; `owned` bodies may be written without a copy. */
  writeFrame(body: Uint8Array, more: boolean, owned: boolean): void
  /** Appends a frame header alone; the body follows through writeBytes / writeOwned. */
  writeFrameHeader(size: number, more: boolean): void
  /** Appends body bytes (copied). */
  writeBytes(bytes: Uint8Array): void
  /** Appends body bytes the caller gives up; `written` runs once the kernel has them. */
  writeOwned(bytes: Uint8Array, written?: () => void): void
  /** The ZAP handler's answer to the handler's `authenticate` (ignored where there is none). */
  zapAnswer(answer: ZapAnswer | null): void
  /** Appends an encoded command frame (ignored where there are no commands). */
  writeEncoded(frame: Uint8Array): void
  /** Writes what was gathered; false when the stream wants a drain first. */
  flush(): boolean
  pause(): void
  resume(): void
  /** Flushes and ends gracefully; resolves once closed. */
  end(): Promise<void>
  destroy(): void
}
