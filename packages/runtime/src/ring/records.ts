import { copyBytes } from "@omq/transport"

/**
 * Record kinds carried by a ring between a socket's thread and the thread that hosts its
 * connections (an IO worker, the same thread, or, for inproc, another socket's thread).
 *
 * Every record starts with a 16-byte header:
 *
 *   0      4      5         8      12      16
 *   +------+------+---------+------+-------+------------------------------------+
 *   | size | kind | flags.. | peer | count | frames: (u32 length, bytes) x count |
 *   +------+------+---------+------+-------+------------------------------------+
 *
 * `size` is the record's unpadded byte length. All integers are little-endian. Records start
 * 8-byte aligned, and so does each frame's bytes: a frame's length word sits right before them,
 * after up to 7 bytes of padding (see lengthAt). V8 copies to or from shared memory word by word
 * only between addresses of the same alignment, byte by byte otherwise: 6.5× slower here
 * (5 against 31 GB/s), which had made every large frame's copies into and out of the rings
 * crawl.
 * Control records travel in the same ring as messages so that their order is kept: a peer's
 * PEER_UP always precedes its messages, and PEER_DOWN follows the last of them.
 */
export enum RecordKind {
  /** A whole multipart message for/from `peer`; `count` frames follow. */
  Message = 1,
  /**
   * One frame of a message too large for one record: `count` is the frame's size, flags say
   * whether more frames follow (FRAME_MORE) and whether the bytes follow in Chunk records or
   * come over the lane (FRAME_TRANSFERRED).
   */
  LargeFrame = 2,
  /** `count` messages of `peer` were consumed (receive side) or written (send side). */
  Credit = 3,
  /**
   * Host → socket: a peer pipe exists or (re)completed its handshake; frames: [socket type,
   * routing id, endpoint, limits: the pipe's receive and send high-water marks as two u32].
   */
  PeerUp = 4,
  /** Host → socket: the peer is gone; nothing more will come from it. */
  PeerDown = 5,
  /** Socket → host: drop this peer's connection (for example a second PAIR peer). */
  ClosePeer = 6,
  /** Socket → host: a (un)subscription for `peer`; frames [topic], flags SUBSCRIBE or 0. */
  Command = 7,
  /**
   * Socket → host: the socket closed; `count` is its linger (int32, -1 = for ever). It travels
   * in the ring so that every message sent before close() is handled first.
   */
  Close = 8,
  /**
   * Socket → host: connect(); frames [endpoint, options]. `peer` is the pipe id the socket
   * already created (ids >= 2^31 are the socket's), or 0 with `immediate` (pipes per connection).
   */
  Connect = 9,
  /** Socket → host: disconnect(); frames [endpoint]. */
  Disconnect = 10,
  /** The next bytes of the large frame in progress (one frame of raw bytes). */
  Chunk = 11,
  /** Host → socket: a monitor event (bind, accept, handshake, ...); frames [JSON]. */
  Event = 12,
  /**
   * Host → socket: a handshake asks the ZAP handler; `peer` is the question's id, frames
   * [peer address, mechanism, credentials...]. The socket adds its domain and identity.
   */
  ZapRequest = 13,
  /**
   * Socket → host: the answer to ZapRequest `peer`: frames [status, text, user id, metadata],
   * or none when no handler is bound.
   */
  ZapReply = 14,
  /**
   * Either way, between a socket and its IO thread: the writer's end of the rings' lane opened
   * (it is lazy, see lane.ts); the reader opens its end. Handled by the Inbox itself.
   */
  LaneOpen = 15,
}

/** PeerUp flag: the pipe belongs to a connect() (else it was accepted by a bind()). */
export const PEER_CONNECTED = 1

/** Command flag: subscribe (else cancel). */
export const SUBSCRIBE = 1

/** LargeFrame flag: more frames of the message follow. */
export const FRAME_MORE = 1
/** LargeFrame flag: the frame's bytes come whole over the lane, not in Chunk records. */
export const FRAME_TRANSFERRED = 2

export const RECORD_HEADER = 16

/**
 * Where the length word of a frame goes when the record's contents so far end at `end`: the
 * next offset ≡ 4 (mod 8), so the frame's bytes after it start 8-byte aligned.
 */
export const lengthAt = (end: number): number => ((end + 3) & ~7) + 4

/** Where the bytes of a Chunk record (one frame) start, from the record's start. */
export const CHUNK_BYTES = lengthAt(RECORD_HEADER) + 4

/** Bytes a record of these frames occupies (unpadded). */
export function recordSize(frames: readonly Uint8Array[]): number {
  let size = RECORD_HEADER
  for (const f of frames) size = lengthAt(size) + 4 + f.byteLength
  return size
}

/** Writes a whole record at `at`. The space must have been reserved. */
export function writeRecord(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  size: number,
  kind: RecordKind,
  flags: number,
  peer: number,
  count: number,
  frames: readonly Uint8Array[],
): void {
  view.setUint32(at, size, true)
  bytes[at + 4] = kind
  bytes[at + 5] = flags
  view.setUint32(at + 8, peer, true)
  view.setUint32(at + 12, count, true)
  let p = at + RECORD_HEADER
  for (const f of frames) {
    p = lengthAt(p)
    view.setUint32(p, f.byteLength, true)
    copyBytes(bytes, f, p + 4) // from the application's memory, any alignment
    p += 4 + f.byteLength
  }
}

/**
 * Copies a record's frames out of the ring into one fresh allocation, one Buffer view per frame
 * (each 8-byte aligned in it, as in the ring: see the top): a single allocation per message
 * however many frames it has.
 */
export function readFrames(bytes: Uint8Array, view: DataView, at: number): Buffer[] {
  const count = view.getUint32(at + 12, true)
  let total = 0
  let p = at + RECORD_HEADER
  for (let i = 0; i < count; i++) {
    p = lengthAt(p)
    const len = view.getUint32(p, true)
    total += (len + 7) & ~7
    p += 4 + len
  }
  const body = Buffer.allocUnsafe(total) // from 8-byte aligned memory
  const frames: Buffer[] = new Array(count)
  p = at + RECORD_HEADER
  let q = 0
  for (let i = 0; i < count; i++) {
    p = lengthAt(p)
    const len = view.getUint32(p, true)
    body.set(bytes.subarray(p + 4, p + 4 + len), q)
    frames[i] = body.subarray(q, q + len)
    p += 4 + len
    q += (len + 7) & ~7
  }
  return frames
}
