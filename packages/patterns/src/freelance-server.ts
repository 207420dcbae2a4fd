import { type Context, type Message, Router } from "omq"
import { FLP_PING, FLP_PONG, isCommand, publish } from "./freelance-protocol.js"

export interface FreelanceServerOptions {
  /**
   * The routing id announced to clients: the endpoint they dial (RFC 10). Default: the bind
   * endpoint as given. Set it when binding a wildcard (`tcp://*:5555`) or behind another name,
   * for clients that address servers by the id they announce (FreelanceClient names each server
   * itself, at connect).
   */
  routingId?: string
  context?: Context
}

/** Answers one request (its body frames, without the sequence). */
export type FreelanceHandler = (request: Buffer[]) => Message | Promise<Message>

/**
 * A Freelance server (RFC 10, the zguide's flserver3): a ROUTER whose routing id is its public
 * endpoint. It answers each `PING` with `PONG`, and each request `[sequence, body…]` with
 * `[sequence, handler(body)…]`. Requests are handled concurrently, so a PING is answered while
 * a slow handler runs (a busy server does not look dead). A handler that throws sends no reply:
 * the client tries another server. Runs on the caller's thread.
 */
export class FreelanceServer {
  readonly socket: Router
  readonly #handler: FreelanceHandler
  readonly #endpoint: string
  #closed = false

  private constructor(
    endpoint: string,
    handler: FreelanceHandler,
    options: FreelanceServerOptions,
  ) {
    this.#endpoint = options.routingId ?? endpoint
    this.#handler = handler
    this.socket = new Router({
      linger: 0,
      routingId: this.#endpoint,
      ...(options.context ? { context: options.context } : {}),
    })
  }

  /** A server bound to `endpoint`, running until close(). */
  static async bind(
    endpoint: string,
    handler: FreelanceHandler,
    options: FreelanceServerOptions = {},
  ): Promise<FreelanceServer> {
    const server = new FreelanceServer(endpoint, handler, options)
    try {
      await server.socket.bind(endpoint)
    } catch (err) {
      server.close()
      throw err
    }
    void server.#serve()
    return server
  }

  /** Where it listens (the port filled in when bound to port 0 or `*`). */
  get endpoint(): string {
    return this.socket.lastEndpoint!
  }

  close(): void {
    this.#closed = true
    this.socket.close()
  }

  async #serve(): Promise<void> {
    try {
      for await (const [client, control, ...body] of this.socket) {
        if (control === undefined) {
          publish({ type: "malformed", endpoint: this.#endpoint })
        } else if (isCommand(control, FLP_PING)) {
          await this.socket.send([client!, FLP_PONG])
        } else {
          void this.#answer(client!, control, body)
        }
      }
    } catch (err) {
      if (!this.#closed) throw err
    }
  }

  async #answer(client: Buffer, sequence: Buffer, body: Buffer[]): Promise<void> {
    let reply: Message
    try {
      reply = await this.#handler(body)
    } catch (error) {
      publish({ type: "handler-failed", endpoint: this.#endpoint, error })
      return
    }
    if (this.#closed) return
    const frames = Array.isArray(reply) ? reply : [reply]
    await this.socket.send([client, sequence, ...frames]).catch(() => {}) // closed meanwhile
  }
}
