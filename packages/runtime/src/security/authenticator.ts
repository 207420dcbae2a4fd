import { readdir } from "node:fs/promises"
import { join } from "node:path"
import { z85Encode } from "@omq/transport"
import { type Context, context as defaultContext } from "../context.js"
import { Reply } from "../socket/reply.js"
import { readCertificate, SECRET_SUFFIX } from "./certificate-files.js"

const ZAP_ENDPOINT = "inproc://zeromq.zap.01"
const decoder = new TextDecoder()

export interface AuthenticatorOptions {
  context?: Context
  /** Only these peer addresses may connect (when any are given). */
  allow?: Iterable<string>
  /** These peer addresses may not connect. */
  deny?: Iterable<string>
  /** PLAIN: username → password. Without it, every PLAIN client is refused. */
  passwords?: Record<string, string> | Map<string, string>
  /**
   * CURVE: "any" accepts every client key; otherwise the Z85 public keys allowed. Without it,
   * every CURVE client is refused.
   */
  curveKeys?: "any" | Iterable<string>
  /** CURVE: also allow the public key of every certificate file in this directory. */
  certificates?: string
}

/** Why a request was answered as it was (for `onDecision`; nothing secret in it). */
export interface AuthDecision {
  allowed: boolean
  mechanism: string
  address: string
  domain: string
  /** The user id given (a PLAIN username or a CURVE key in Z85) when allowed. */
  userId: string
  reason: string
}

/**
 * A ZAP handler (RFC 27) for the whole context, like czmq's zauth: it binds a REP at
 * inproc://zeromq.zap.01 and answers every server socket's handshakes:
 *
 * - by address: with an `allow` list only those addresses pass; `deny` refuses its addresses;
 * - NULL: every client that passes the address check;
 * - PLAIN: a username and password from `passwords`;
 * - CURVE: `curveKeys: "any"`, a set of allowed keys, or a directory of certificates.
 *
 * It never logs; `onDecision` sees each decision without passwords or secret keys. Runs on
 * the thread that started it.
 */
export class Authenticator {
  readonly #rep: Reply
  readonly #allow: Set<string>
  readonly #deny: Set<string>
  readonly #passwords: Map<string, string>
  readonly #anyKey: boolean
  readonly #keys: Set<string>
  /** Called with every decision, for auditing. */
  onDecision: ((decision: AuthDecision) => void) | null = null
  readonly #served: Promise<void>

  private constructor(rep: Reply, options: AuthenticatorOptions, keys: Set<string>) {
    this.#rep = rep
    this.#allow = new Set(options.allow ?? [])
    this.#deny = new Set(options.deny ?? [])
    this.#passwords = new Map(
      options.passwords instanceof Map
        ? options.passwords
        : Object.entries(options.passwords ?? {}),
    )
    this.#anyKey = options.curveKeys === "any"
    this.#keys = keys
    this.#served = this.#serve()
  }

  /** Binds the handler; EADDRINUSE when the context has one already. */
  static async start(options: AuthenticatorOptions = {}): Promise<Authenticator> {
    const keys = new Set(options.curveKeys === "any" ? [] : (options.curveKeys ?? []))
    if (options.certificates) {
      for (const key of await certificateKeys(options.certificates)) keys.add(key)
    }
    const rep = new Reply({ context: options.context ?? defaultContext, linger: 0 })
    await rep.bind(ZAP_ENDPOINT)
    return new Authenticator(rep, options, keys)
  }

  /** Stops answering; handshakes that need ZAP then fail or pass as their sockets decide. */
  async close(): Promise<void> {
    this.#rep.close()
    await this.#served
    await this.#rep.finished // the inproc name is free again
  }

  async #serve(): Promise<void> {
    for await (const [version, id, domain, address, , mechanism, ...credentials] of this.#rep) {
      const decision = this.#decide(
        decoder.decode(domain),
        decoder.decode(address),
        decoder.decode(mechanism),
        credentials,
      )
      this.onDecision?.(decision)
      const status = decision.allowed ? "200" : "400"
      const text = decision.allowed ? "OK" : decision.reason
      await this.#rep.send([version!, id!, status, text, decision.userId, ""])
    }
  }

  #decide(domain: string, address: string, mechanism: string, credentials: Buffer[]): AuthDecision {
    const base = { mechanism, address, domain, userId: "" }
    if (this.#allow.size > 0 && !this.#allow.has(address)) {
      return { ...base, allowed: false, reason: "address not allowed" }
    }
    if (this.#deny.has(address)) return { ...base, allowed: false, reason: "address denied" }
    switch (mechanism) {
      case "NULL":
        return { ...base, allowed: true, reason: "NULL" }
      case "PLAIN": {
        const [username, password] = credentials.map((c) => decoder.decode(c))
        const known = this.#passwords.get(username ?? "")
        const allowed = known !== undefined && known === password
        return {
          ...base,
          allowed,
          userId: allowed ? username! : "",
          reason: allowed ? "password" : "bad username or password",
        }
      }
      case "CURVE": {
        const key = credentials[0]?.byteLength === 32 ? z85Encode(credentials[0]) : ""
        const allowed = key !== "" && (this.#anyKey || this.#keys.has(key))
        return {
          ...base,
          allowed,
          userId: allowed ? key : "",
          reason: allowed ? "key" : "key not allowed",
        }
      }
      default:
        return { ...base, allowed: false, reason: `mechanism ${mechanism} not supported` }
    }
  }
}

/** The public keys of the certificate files in `directory` (secret twins are skipped). */
async function certificateKeys(directory: string): Promise<string[]> {
  const keys: string[] = []
  for (const name of await readdir(directory)) {
    if (name.endsWith(SECRET_SUFFIX)) continue
    const { publicKey } = await readCertificate(join(directory, name))
    keys.push(publicKey)
  }
  return keys
}
