// One face for every socket type: messages as frames, the type's addressing as the first frame.
// SERVER/PEER's numeric routing id is decimal text, a DISH's group comes first, a RADIO takes
// its group from --group or the first frame; single-frame draft types refuse more frames.
import type { Socket } from "omq"
import { UsageError } from "../errors.js"
import type { SocketType } from "../socket-types.js"

/** The message calls every type has at run time, whatever its class shows. */
interface MessageCalls {
  receive(): Promise<unknown[]>
  send(message: unknown, options?: unknown): Promise<void>
}

export class CatSocket {
  readonly socket: Socket
  readonly type: SocketType
  readonly #calls: MessageCalls
  readonly #group: string | undefined

  /** @param group RADIO: every message goes to this group (else its first frame names it). */
  constructor(socket: Socket, type: SocketType, group?: string) {
    this.socket = socket
    this.type = type
    this.#calls = socket as unknown as MessageCalls
    this.#group = group
  }

  /** The next message, its address (if the type has one) as the first frame. */
  async receive(): Promise<Buffer[]> {
    const message = await this.#calls.receive()
    switch (this.type.addressing) {
      case "routing-number": {
        const [body, { routingId }] = message as [Buffer, { routingId: number }]
        return [Buffer.from(String(routingId)), body]
      }
      case "group": {
        const [body, { group }] = message as [Buffer, { group: Buffer }]
        return [group, body]
      }
      default:
        return message as Buffer[]
    }
  }

  /** Sends `frames`, the first naming where to for the types that route. */
  async send(frames: Buffer[]): Promise<void> {
    const { name, addressing, draft } = this.type
    if (addressing === "routing-number") {
      const [id, ...body] = frames
      const routingId = Number(id?.toString())
      if (body.length !== 1 || !Number.isInteger(routingId)) {
        throw new UsageError(`${name} messages are two frames: a numeric routing id, then the body`)
      }
      return this.#calls.send(body[0], { routingId })
    }
    if (addressing === "group" && this.#group !== undefined) {
      return this.#calls.send(this.#single(frames), { group: this.#group })
    }
    if (addressing === "group") {
      const [group, ...body] = frames
      if (body.length !== 1) {
        throw new UsageError(`${name} messages are two frames, group and body (or use --group)`)
      }
      return this.#calls.send(body[0], { group: group! })
    }
    if (draft && addressing === "none") return this.#calls.send(this.#single(frames))
    return this.#calls.send(frames)
  }

  #single(frames: Buffer[]): Buffer {
    if (frames.length !== 1) {
      throw new UsageError(
        `${this.type.name} messages are one frame, this one has ${frames.length} (check --delimiter)`,
      )
    }
    return frames[0]!
  }
}

/**
 * Where a reply to `request` goes: the frames that address it (ROUTER: the peer id and the
 * envelope up to the empty delimiter a REQ puts there), and the body to answer.
 */
export function splitEnvelope(type: SocketType, request: Buffer[]): [Buffer[], Buffer[]] {
  if (type.addressing === "none") return [[], request]
  if (type.addressing === "routing-id" && type.name === "ROUTER") {
    const empty = request.findIndex((frame, i) => i > 0 && frame.length === 0)
    if (empty !== -1) return [request.slice(0, empty + 1), request.slice(empty + 1)]
  }
  return [request.slice(0, 1), request.slice(1)]
}
