/** A stored Titanic request: the service it is for, and its body frames. */
export interface TitanicRequest {
  service: string
  body: Buffer[]
}

/**
 * Where a Titanic server keeps requests and replies, by UUID (32 lowercase hex characters). The
 * server answers a client 200 only after the promise of a put resolves, so a store that keeps
 * what it resolved for across a crash (FileTitanicStore syncs to disk) loses nothing that was
 * acknowledged. Methods may run concurrently, for different UUIDs.
 */
export interface TitanicStore {
  /** Keeps a new request. */
  putRequest(uuid: string, request: TitanicRequest): Promise<void>
  /** The request, or undefined when the UUID is unknown (or closed). */
  getRequest(uuid: string): Promise<TitanicRequest | undefined>
  /** Keeps the reply to a stored request. */
  putReply(uuid: string, body: Buffer[]): Promise<void>
  /** The reply, or undefined while there is none. */
  getReply(uuid: string): Promise<Buffer[] | undefined>
  /** Forgets the request and its reply; nothing to forget is no error. */
  delete(uuid: string): Promise<void>
  /** The UUIDs of requests with no reply yet, oldest first: what a restarted server dispatches. */
  pending(): Promise<string[]>
}

/**
 * A store in memory: nothing survives the process, so a crash loses every request. For tests,
 * and for users who want Titanic's asynchrony without its durability.
 */
export class MemoryTitanicStore implements TitanicStore {
  readonly #requests = new Map<string, TitanicRequest>()
  readonly #replies = new Map<string, Buffer[]>()

  async putRequest(uuid: string, request: TitanicRequest): Promise<void> {
    this.#requests.set(uuid, { service: request.service, body: copy(request.body) })
  }

  async getRequest(uuid: string): Promise<TitanicRequest | undefined> {
    const request = this.#requests.get(uuid)
    return request && { service: request.service, body: copy(request.body) }
  }

  async putReply(uuid: string, body: Buffer[]): Promise<void> {
    this.#replies.set(uuid, copy(body))
  }

  async getReply(uuid: string): Promise<Buffer[] | undefined> {
    const reply = this.#replies.get(uuid)
    return reply && copy(reply)
  }

  async delete(uuid: string): Promise<void> {
    this.#requests.delete(uuid)
    this.#replies.delete(uuid)
  }

  async pending(): Promise<string[]> {
    return [...this.#requests.keys()].filter((uuid) => !this.#replies.has(uuid))
  }
}

/** Copies, so a caller that reuses its buffers cannot change what was stored. */
function copy(frames: readonly Buffer[]): Buffer[] {
  return frames.map((frame) => Buffer.from(frame))
}
