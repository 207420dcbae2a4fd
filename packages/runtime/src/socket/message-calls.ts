// The message calls a socket class offers, as interfaces it implements (socket-capabilities.ts
// says how). No Node types here: omq/browser's sockets implement these too, with Uint8Array
// frames, and the browser's declarations must not need @types/node.

/** receive() and for-await: a socket that receives. */
export interface Receiving<Received> {
  /** Resolves with the next message; rejects with EAGAIN after `receiveTimeout`. */
  receive(): Promise<Received>
  /** `for await (const message of socket)`: ends when the socket closes. */
  [Symbol.asyncIterator](): AsyncGenerator<Received, void, undefined>
}

/** send() and trySend(): a socket that sends. `Options` are the arguments after the message. */
export interface Sending<Sent, Options extends unknown[] = []> {
  /** Resolves once the socket has accepted the message; rejects with EAGAIN after `sendTimeout`. */
  send(message: Sent, ...options: Options): Promise<void>
  /** Sends now if the socket can take the message without waiting; false when it cannot. */
  trySend(message: Sent, ...options: Options): boolean
}

/**
 * What a ROUTER sends: an array of frames, the first the routing id of the peer, then the body.
 * A lone frame or an array of one has no body (EINVAL at run time) and does not type-check. An
 * array whose length the types cannot know (`[id, ...body]`, `frames: Buffer[]`) passes, so
 * that code written for zeromq.js, whose ROUTER takes any message, still compiles.
 */
export type RoutedMessage<Frames extends unknown[]> = Frames &
  // The property is what tsc names when it rejects a shorter message; it never exists.
  (Frames extends [] | [unknown] ? { readonly "[routing id, ...body]": never } : unknown)
