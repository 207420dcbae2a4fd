import {
  type ProtocolErrorName,
  parseMetadata,
  type ZapAnswer,
  type ZapQuery,
} from "@omq/transport"
import type { ControlFrames, RecordSink } from "../ring/record-link.js"
import { RecordKind } from "../ring/records.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The host's side of ZAP: a handshake's question goes to the socket's thread, which asks the
 * handler at inproc://zeromq.zap.01 (the host has no inproc of its own), and the answer comes
 * back as a ZapReply record. Owned by the host's thread.
 */
export class HostZap {
  readonly #toSocket: RecordSink
  readonly #handlerBound: () => boolean
  readonly #waiting = new Map<number, (answer: ZapAnswer | null) => void>()
  #nextId = 1

  constructor(toSocket: RecordSink, handlerBound: () => boolean) {
    this.#toSocket = toSocket
    this.#handlerBound = handlerBound
  }

  /**
   * Asks the handler; `answer` gets null when none is bound. With none bound now, `answer` runs
   * before this returns: most servers have no handler, and the round trip through the socket's
   * thread (a wake-up each way with an IO thread) stood between INITIATE and READY.
   */
  ask(query: ZapQuery, peerAddress: string, answer: (answer: ZapAnswer | null) => void): void {
    if (!this.#handlerBound()) {
      answer(null)
      return
    }
    const id = this.#nextId++
    this.#waiting.set(id, answer)
    const frames = [
      encoder.encode(peerAddress),
      encoder.encode(query.mechanism),
      ...query.credentials,
    ]
    this.#toSocket.push(RecordKind.ZapRequest, id, frames.length, frames)
  }

  /** A ZapReply record arrived. */
  answered(id: number, count: number, frames: ControlFrames): void {
    const answer = this.#waiting.get(id)
    if (!answer) return
    this.#waiting.delete(id)
    if (count === 0) {
      answer(null)
      return
    }
    const [statusBytes, text, userId, metadata] = frames.read()
    const status = decoder.decode(statusBytes)
    // A malformed reply travels as its ERR_ZAP_* name (see zapAnswerFrames).
    const malformed = status.startsWith("ERR_ZAP_") ? (status as ProtocolErrorName) : undefined
    answer({
      status: malformed ? "500" : status,
      malformed,
      text: decoder.decode(text),
      userId: userId!.slice(),
      metadata: parseMetadata(metadata!),
    })
  }
}
