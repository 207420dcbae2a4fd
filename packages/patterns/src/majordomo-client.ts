import type { Message } from "omq"
import { LazyPirateClient, type LazyPirateOptions, type RequestOptions } from "./lazy-pirate.js"
import { clientRequest, parseClientReply } from "./majordomo-protocol.js"

/** As the Lazy Pirate client: `timeout` (2,500 ms), `retries` (3), `context`, `clock`. */
export type MajordomoClientOptions = LazyPirateOptions

/**
 * A Majordomo client (RFC 7, MDP/0.1): a Lazy Pirate client speaking `MDPC01`. RFC 7 clients
 * have REQ semantics, so a request with no reply in time is sent again on a fresh socket, and
 * after the last retry rejects with EAGAIN (retries are published on "omq:patterns:lazy-pirate").
 * A reply that is not MDPC01 from the service asked rejects with EPROTO.
 *
 * Requests are served one at a time, in call order. Runs on the caller's thread.
 */
export class MajordomoClient {
  readonly #pirate: LazyPirateClient

  constructor(endpoint: string, options: MajordomoClientOptions = {}) {
    this.#pirate = new LazyPirateClient(endpoint, options)
  }

  /** Asks `service` (e.g. "echo", or "mmi.service") and resolves with the reply's body frames. */
  async request(
    service: string,
    message: Message,
    options: RequestOptions = {},
  ): Promise<Buffer[]> {
    const body = Array.isArray(message) ? message : [message]
    const reply = await this.#pirate.request(clientRequest(service, body), options)
    return parseClientReply(reply, service)
  }

  /** Closes the socket at once; waiting requests reject. */
  close(): void {
    this.#pirate.close()
  }
}
