import type { Message } from "./message.js"
import type { Receiving, Sending } from "./message-calls.js"
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
//
// The same calls without Node's types are Receiving and Sending (message-calls.ts): Readable and
// Writable extend them, and omq/browser's classes implement them directly, merged the same way.
// A thread attached to a shared socket gets the calls of the socket's class (AttachedSocket in
// shared/attach-shared.ts), read from these interfaces.

/** A socket that receives: PULL, SUB, DISH, GATHER and every two-way type. */
export interface Readable<Received = Buffer[]> extends Receiving<Received> {
  /** As receive(), with the properties of the connection the message came over. */
  receiveWithProperties(): Promise<WithProperties<Received>>
}

/**
 * A socket that sends: PUSH, PUB, RADIO, SCATTER and every two-way type. `Options` are the
 * arguments after the message: none for most types, `{ routingId }` for SERVER and PEER,
 * `{ group }` for RADIO.
 */
export interface Writable<Sent = Message, Options extends unknown[] = []>
  extends Sending<Sent, Options> {}
