import {
  encodeMetadata,
  type ProtocolErrorName,
  parseMetadata,
  type ZapAnswer,
  ZmqError,
} from "@omq/transport"
import type { Context } from "../context.js"
import { ZAP_NAME } from "../process/inproc-registry.js"
import type { Dealer } from "../socket/dealer.js"

type DealerClass = new (options: { context: Context; linger: number }) => Dealer
/**
 * Handed over by dealer.ts as it loads: the sockets import this module, so importing theirs
 * here would be a cycle, and a dynamic import() may load a second copy of omq (a CommonJS
 * loader such as tsx compiles require("omq") but leaves import() to Node's ESM loader), whose
 * Dealer would not accept this copy's Context.
 */
let dealerClass: DealerClass | null = null

/** @internal Called once by dealer.ts. */
export function provideZapDealer(cls: DealerClass): void {
  dealerClass = cls
}
const VERSION = "1.0"

/** One ZAP question (RFC 27), as the handler receives it after the version and request id. */
export interface ZapRequest {
  domain: string
  address: string
  /** The asking socket's routing id (libzmq sends its own ZMQ_ROUTING_ID). */
  identity: Uint8Array
  mechanism: string
  credentials: Uint8Array[]
}

/**
 * A socket's ZAP client: asks the handler bound at inproc://zeromq.zap.01 (a REP or ROUTER,
 * anywhere in the process) through a DEALER of its own, made on first use. Answers are matched
 * to questions by request id, so several handshakes may wait at once.
 *
 * Lives on the socket's thread; close() with the socket.
 */
export class ZapClient {
  readonly #context: Context
  #dealer: Dealer | null = null
  readonly #waiting = new Map<string, (answer: ZapAnswer) => void>()
  #nextId = 1
  #closed = false

  constructor(context: Context) {
    this.#context = context
  }

  /** The handler's answer, or null when no handler is bound. */
  async ask(request: ZapRequest): Promise<ZapAnswer | null> {
    if (this.#closed) return null
    // No dealer to a name nobody binds: its connect would wait for a bind that may never come.
    if (!this.#context.core.state.zapHandlerBound) return null
    const dealer = (this.#dealer ??= this.#open())
    const id = String(this.#nextId++)
    const answer = new Promise<ZapAnswer>((resolve) => this.#waiting.set(id, resolve))
    const { domain, address, identity, mechanism, credentials } = request
    await dealer.send(["", VERSION, id, domain, address, identity, mechanism, ...credentials])
    return answer
  }

  close(): void {
    this.#closed = true
    for (const resolve of this.#waiting.values()) resolve(refused("500", "socket closed"))
    this.#waiting.clear()
    this.#dealer?.close()
  }

  #open(): Dealer {
    if (!dealerClass) throw new Error("omq: socket/dealer.js was not loaded")
    const dealer = new dealerClass({ context: this.#context, linger: 0 })
    dealer.connect(`inproc://${ZAP_NAME}`)
    void this.#readAnswers(dealer)
    return dealer
  }

  async #readAnswers(dealer: Dealer): Promise<void> {
    try {
      for await (const frames of dealer) this.#answer(frames)
    } catch (err) {
      if (!(err instanceof ZmqError)) throw err
    }
  }

  /**
   * [delimiter, version, id, status, text, user id, metadata]. A reply that breaks RFC 27
   * fails the handshake with libzmq's ERR_ZAP_* code. A reply too short to name its request
   * answers the oldest one: handlers answer in order, and libzmq (one question per pipe) would
   * fail that handshake rather than leave it waiting.
   */
  #answer(frames: Buffer[]): void {
    let id = frames.length === 7 ? frames[2]!.toString() : undefined
    if (id === undefined || !this.#waiting.has(id)) {
      if (frames.length === 7) return // a late answer to a question already answered
      id = this.#waiting.keys().next().value
      if (id === undefined) return
    }
    const resolve = this.#waiting.get(id)!
    this.#waiting.delete(id)
    const [delimiter, version, , status, text, userId, metadata] = frames
    if (frames.length !== 7 || delimiter!.byteLength !== 0) {
      resolve(malformed("ERR_ZAP_MALFORMED_REPLY", "not 7 frames after an empty delimiter"))
    } else if (version!.toString() !== VERSION) {
      resolve(malformed("ERR_ZAP_BAD_VERSION", `version ${version}`))
    } else if (!/^[2345]00$/.test(status!.toString())) {
      resolve(malformed("ERR_ZAP_INVALID_STATUS_CODE", `status ${status}`))
    } else {
      let properties: ZapAnswer["metadata"]
      try {
        properties = parseMetadata(metadata!)
      } catch {
        resolve(malformed("ERR_ZAP_INVALID_METADATA", "metadata does not parse"))
        return
      }
      resolve({
        status: status!.toString(),
        text: text!.toString(),
        userId: userId!,
        metadata: properties,
      })
    }
  }
}

/** A refusal with no user and no properties. */
export function refused(status: string, text: string): ZapAnswer {
  return { status, text, userId: new Uint8Array(0), metadata: new Map() }
}

function malformed(name: ProtocolErrorName, text: string): ZapAnswer {
  return { ...refused("500", text), malformed: name }
}

/**
 * Encodes an answer for the ZapReply record: [status, text, user id, metadata], with the
 * protocol error's name in place of the status when the reply was malformed (see HostZap).
 */
export function zapAnswerFrames(answer: ZapAnswer): Uint8Array[] {
  const te = new TextEncoder()
  return [
    te.encode(answer.malformed ?? answer.status),
    te.encode(answer.text),
    answer.userId,
    encodeMetadata(answer.metadata),
  ]
}
