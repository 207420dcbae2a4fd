import type { Message } from "./message.js"
import type { WithProperties } from "./socket-base.js"

// What each socket class offers of the message calls. SocketBase implements send(), trySend(),
// receive(), receiveWithProperties() and for-await once for every type, as protected members.
// Each class makes public, in an interface merged with it, only the calls its type can do, with
// its own message and option types, and `implements` Readable and/or Writable below, as
// zeromq.js's `interface Pull extends Readable` does:
//
//   export class Pull extends SocketBase implements Readable {...}
//   export interface Pull { receive(): Promise<Buffer[]>; ... }
//
// The merged interface names its members itself: one that `extends Readable` clashes with the
// protected members of the same names (TS2320). Biome's noUnsafeDeclarationMerging is off for
// these files (biome.json) because SocketBase implements every member so declared. A call the
// type hides but JavaScript makes anyway still fails at run time as before: ENOTSUP from the
// type's xsend or xrecv, EINVAL for a multipart message to a single-frame type.

/** A socket that receives: PULL, SUB, DISH, GATHER and every two-way type. */
export interface Readable<Received = Buffer[]> {
  /** Resolves with the next message; rejects with EAGAIN after `receiveTimeout`. */
  receive(): Promise<Received>
  /** As receive(), with the properties of the connection the message came over. */
  receiveWithProperties(): Promise<WithProperties<Received>>
  /** `for await (const message of socket)`: ends when the socket closes. */
  [Symbol.asyncIterator](): AsyncGenerator<Received, void, undefined>
}

/**
 * A socket that sends: PUSH, PUB, RADIO, SCATTER and every two-way type. `Options` are the
 * arguments after the message: none for most types, `{ routingId }` for SERVER and PEER,
 * `{ group }` for RADIO.
 */
export interface Writable<Sent = Message, Options extends unknown[] = []> {
  /** Resolves once the socket has accepted the message; rejects with EAGAIN after `sendTimeout`. */
  send(message: Sent, ...options: Options): Promise<void>
  /** Sends now if the socket can take the message without waiting; false when it cannot. */
  trySend(message: Sent, ...options: Options): boolean
}
