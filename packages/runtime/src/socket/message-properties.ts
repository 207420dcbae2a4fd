import type { Metadata } from "@omq/transport"
import type { Peer } from "./peer.js"

const decoder = new TextDecoder()

/**
 * The properties of a received message, as libzmq's zmq_msg_gets reports them: those of the
 * connection it came over (the peer's Socket-Type and Identity, its application "X-"
 * properties, User-Id from ZAP, Peer-Address). Names are matched without regard to case.
 *
 * One object per connection, shared by all its messages: reading properties costs nothing
 * per message, and code that never asks pays nothing at all.
 */
export class MessageProperties {
  readonly #properties: Metadata

  /**
   * Made by omq for a received message (receiveWithProperties()). @internal
   * @param properties names lower-cased
   */
  constructor(properties: Metadata) {
    this.#properties = properties
  }

  /** A property as text (UTF-8), or undefined when the connection has none of that name. */
  get(name: string): string | undefined {
    const value = this.#properties.get(name.toLowerCase())
    return value === undefined ? undefined : decoder.decode(value)
  }

  /** A property as bytes (a routing id need not be text). */
  bytes(name: string): Uint8Array | undefined {
    return this.#properties.get(name.toLowerCase())
  }

  get socketType(): string | undefined {
    return this.get("Socket-Type")
  }

  /** The peer's routing id (its Identity property), if it announced one. */
  get routingId(): Uint8Array | undefined {
    return this.bytes("Identity")
  }

  /** The user id a ZAP handler gave the peer. */
  get userId(): string | undefined {
    return this.get("User-Id")
  }

  /** The peer's IP address (tcp), when the connection has one. */
  get peerAddress(): string | undefined {
    return this.get("Peer-Address")
  }

  /** Every property, names lower-cased, values as text. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const [name, value] of this.#properties) yield [name, decoder.decode(value)]
  }
}

/** An inproc pipe's properties: the peer's socket type and routing id, as a handshake gives. */
export function pipeProperties(peer: Peer): Metadata {
  const properties: Metadata = new Map([["socket-type", new TextEncoder().encode(peer.socketType)]])
  if (peer.routingId.byteLength > 0) properties.set("identity", peer.routingId)
  return properties
}
