// Plumbing for the security suites: sockets of either library with the same options, ZAP
// handlers in either library, and waiting for one monitor event.
import { type Context, curveKeyPair, Pair, Reply } from "omq"
import * as zmq from "zeromq"

export type Lib = "omq" | "zmq"

/** Any socket of either library, as these tests use it. */
export interface AnySocket {
  bind(address: string): Promise<void>
  connect(address: string): void
  send(message: (string | Buffer)[] | string): Promise<void>
  receive(): Promise<Buffer[]>
  close(): void
  readonly closed: boolean
  readonly lastEndpoint: string | null
  readonly events: {
    on(type: string, listener: (event: EventLike) => void): unknown
    off(type: string, listener: (event: EventLike) => void): unknown
  }
}

export interface EventLike {
  type: string
  error?: { code?: string; status?: number; message: string; detail?: string }
}

/** A PAIR of `lib` with `options` (zeromq.js and omq name every option alike). */
export function pairOf(lib: Lib, ctx: Context, options: Record<string, unknown>): AnySocket {
  const common = { linger: 0, reconnectInterval: 50, ...options }
  return (lib === "omq"
    ? new Pair({ context: ctx, ...common })
    : new zmq.Pair(common)) as unknown as AnySocket
}

/** Resolves with the next event of `type` on `socket`. Call before acting. */
export function nextEventOf(socket: AnySocket, type: string): Promise<EventLike> {
  return new Promise((resolve) => {
    const listener = (event: EventLike): void => {
      socket.events.off(type, listener)
      resolve(event)
    }
    socket.events.on(type, listener)
  })
}

/** What a ZAP handler saw of one request, after the version and request id. */
export interface ZapSeen {
  domain: string
  address: string
  mechanism: string
  credentials: Buffer[]
}

/**
 * A ZAP handler (a REP at inproc://zeromq.zap.01) in `lib`'s context, bound once for a whole
 * suite (libzmq aborts when an inproc name is unbound and bound again in quick succession):
 * answers each request with `decide(request)`'s status ("200", "400", ...), and records what
 * it was asked. A test sets `decide` and reads `seen`; `reset()` clears both.
 */
export class ZapHandler {
  readonly seen: ZapSeen[] = []
  decide: (seen: ZapSeen) => string = () => "200"
  readonly #rep: AnySocket

  private constructor(rep: AnySocket) {
    this.#rep = rep
  }

  static async bind(lib: Lib, ctx: Context): Promise<ZapHandler> {
    const rep = (lib === "omq"
      ? new Reply({ context: ctx, linger: 0 })
      : new zmq.Reply({ linger: 0 })) as unknown as AnySocket
    await rep.bind("inproc://zeromq.zap.01")
    const handler = new ZapHandler(rep)
    void handler.#serve()
    return handler
  }

  reset(): void {
    this.seen.length = 0
    this.decide = () => "200"
  }

  close(): void {
    this.#rep.close()
  }

  async #serve(): Promise<void> {
    try {
      for (;;) {
        const [version, id, domain, address, , mechanism, ...credentials] =
          await this.#rep.receive()
        const request = {
          domain: String(domain),
          address: String(address),
          mechanism: String(mechanism),
          credentials,
        }
        this.seen.push(request)
        const status = this.decide(request)
        await this.#rep.send([version!, id!, status, status === "200" ? "OK" : "no", "user", ""])
      }
    } catch {
      // closed
    }
  }
}

/** CURVE key pairs for a server and a client, and the options each side needs. */
export function curveOptions(): {
  server: Record<string, unknown>
  client: Record<string, unknown>
  clientPublicKey: string
} {
  const server = curveKeyPair()
  const client = curveKeyPair()
  return {
    server: { curveServer: true, curveSecretKey: server.secretKey },
    client: {
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
    },
    clientPublicKey: client.publicKey,
  }
}
