/**
 * ZeroMQ-style error codes used across omq. The names match libzmq's errno values so that code
 * written against zeromq.js can keep switching on `err.code`.
 */
export type ZmqErrorCode =
  | "EAGAIN"
  | "EINVAL"
  | "EPROTONOSUPPORT"
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "ENOENT"
  | "ETERM"
  | "EFSM"
  | "EHOSTUNREACH"
  | "EPROTO"
  | "EMSGSIZE"
  | "ENOTSUP"
  | "ECONNREFUSED"
  | "EACCES"
  | "EBADF"
  | "EBUSY"
  | "ENAMETOOLONG"
  | "EPIPE"
  | "EMFILE"
  | "ENFILE"
  | "ECONNABORTED"
  | "EFAULT"
  | "ENOCOMPATPROTO"

/** The one error class omq throws or rejects with. */
export class ZmqError extends Error {
  override readonly name = "ZmqError"
  readonly code: ZmqErrorCode
  /** The endpoint the failing call was about, when there is one. */
  readonly address: string | undefined
  /**
   * For EPROTO: which protocol rule the peer broke, as zeromq.js names libzmq's
   * ZMQ_PROTOCOL_ERROR_* codes in monitor events (ERR_ZMTP_INVALID_METADATA, ...).
   */
  readonly protocolError: string | undefined
  /** For a refused handshake: the ZAP status (300, 400 or 500), as zeromq.js's AuthError. */
  readonly status: 300 | 400 | 500 | undefined

  constructor(
    code: ZmqErrorCode,
    message: string,
    address?: string,
    protocolError?: string,
    status?: 300 | 400 | 500,
  ) {
    super(message)
    this.code = code
    this.address = address
    this.protocolError = protocolError
    this.status = status
  }
}
