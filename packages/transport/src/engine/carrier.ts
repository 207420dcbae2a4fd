/**
 * Where a connection's frames go out: a byte stream (StreamOutput, tcp and ipc) or one
 * WebSocket message per frame (ZwsOutput, ws and wss). Bytes written outside a frame begun with
 * `header` are whole encoded frames (the handshake's commands, PINGs). Runs on the connection's
 * thread.
 */
export interface FrameOutput {
  /** A frame whose body is here whole; `owned` bodies may be kept instead of copied. */
  frame(flags: number, body: Uint8Array, owned: boolean): void
  /**
   * Room for a whole frame of `size` body bytes, its header written: the caller fills the view
   * returned before its next call here (CURVE seals into it). Null when the output would rather
   * keep a body of that size as it is (then frame() with an owned body).
   */
  frameRoom(flags: number, size: number): Uint8Array | null
  /** A frame header alone; `size` body bytes follow through bytes() / owned(). */
  header(flags: number, size: number): void
  /** Bytes (copied: the caller's memory may be reused). */
  bytes(bytes: Uint8Array): void
  /** Bytes the caller gives up; `written` runs once they are written or dropped. */
  owned(bytes: Uint8Array, written?: () => void): void
  /** Writes what was gathered; false when the connection wants a drain first. */
  flush(): boolean
  /** The connection is gone: owned memory waiting to be written is given back. */
  drop(): void
}

/** What a carrier tells its engine. Called on the connection's thread. */
export interface CarrierEvents {
  /**
   * ZMTP bytes from the peer (byte streams). `ephemeral`: a view of a read buffer the thread's
   * next read reuses; whatever is kept of it must be copied.
   */
  data(bytes: Uint8Array, ephemeral: boolean): void
  /**
   * Where the next bytes read belong, when the receiver has memory waiting for them (the body
   * of a large frame), so the kernel writes there with no copy; null for the carrier's own
   * buffer. Asked after each read by carriers that can read into given memory.
   */
  readTarget(): Uint8Array | null
  /**
   * At most how many bytes the next read into the carrier's own buffer should take (fewer
   * while large frames arrive: a full read would bring most of the next body, to be copied).
   */
  readSize(): number
  /** `count` bytes were read into what readTarget() returned. */
  filled(count: number): void
  /**
   * One whole ZMTP frame (ZMTP flags, body as a view valid during the call), from carriers that
   * receive frames rather than bytes (ws): no bytes to decode.
   */
  frame(flags: number, body: Uint8Array): void
  /** The peer showed it is alive without ZMTP traffic (a WebSocket ping or pong). */
  alive(): void
  /** A write buffer that was full emptied. */
  drain(): void
  /** The connection closed; `error` when the carrier itself saw the peer break its rules. */
  closed(error: Error | null): void
}

/**
 * The connection under a ZmtpEngine: a byte stream (StreamCarrier: tcp, ipc) or a WebSocket
 * (WsCarrier: ws, wss). Hosts hold carriers, not Node streams, so every transport is run the
 * same way. Lives on the thread that accepted or dialled it.
 */
export interface Carrier {
  /**
   * True where ZMTP greetings open the connection (byte streams). False over ws, where the
   * subprotocol named the mechanism and commands go at once.
   */
  readonly greeting: boolean
  /**
   * Bare ZWS2.0 (a ws subprotocol without a mechanism): no handshake, each side's first message
   * is its routing id. False everywhere else.
   */
  readonly bare: boolean
  /** The peer's IP address (empty for ipc). */
  readonly remoteAddress: string
  readonly output: FrameOutput
  /** Liveness probes of the carrier's own (a WebSocket ping), or null: ZMTP PINGs are used. */
  readonly ping: (() => void) | null
  /** Starts delivering events (once). */
  start(events: CarrierEvents): void
  pause(): void
  resume(): void
  /** Ends after what was written; `done` runs once the connection is closed. */
  end(done: () => void): void
  /** Closes at once. */
  destroy(): void
  /** Lets the thread exit while this connection is open (the runtime decides what holds it). */
  unref(): void
  /** `listener` runs once the connection has closed (for whoever tracks it besides the engine). */
  onClose(listener: () => void): void
}
