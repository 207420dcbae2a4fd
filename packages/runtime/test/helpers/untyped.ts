/**
 * A socket's message calls as JavaScript sees them. Every socket has send(), trySend(),
 * receive() and receiveWithProperties() at run time, whatever its class's type offers (see
 * src/socket/socket-capabilities.ts); tests reach the ones the types hide, or message shapes
 * they reject, through this, to check what such a call gets (ENOTSUP, EINVAL, ...).
 */
export interface UntypedCalls {
  send(message: unknown, options?: unknown): Promise<void>
  trySend(message: unknown, options?: unknown): boolean
  receive(): Promise<unknown>
  receiveWithProperties(): Promise<unknown>
}

export function untyped(socket: object): UntypedCalls {
  return socket as UntypedCalls
}
