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

/** libzmq's codes for its own errors: ZMQ_HAUSNUMERO (156384712) plus an offset. */
const HAUSNUMERO = 156384712

/**
 * Per code: the errno number zeromq.js reports (Linux's values; libzmq's own codes are the same on
 * every platform) and the message it reports, which is libzmq's zmq_strerror() text except where
 * zeromq.js words it more clearly (EAGAIN, EBADF, EBUSY, EFAULT, EMFILE, ENOENT). Code written for
 * zeromq.js compares these messages, so omq's own explanation goes to `detail` instead.
 */
const ERRORS: Record<ZmqErrorCode, readonly [errno: number, message: string]> = {
  EAGAIN: [11, "Operation was not possible or timed out"],
  EINVAL: [22, "Invalid argument"],
  EPROTONOSUPPORT: [93, "Protocol not supported"],
  EADDRINUSE: [98, "Address already in use"],
  EADDRNOTAVAIL: [99, "Cannot assign requested address"],
  ENOENT: [2, "No such endpoint"],
  ETERM: [HAUSNUMERO + 53, "Context was terminated"],
  EFSM: [HAUSNUMERO + 51, "Operation cannot be accomplished in current state"],
  EHOSTUNREACH: [113, "Host unreachable"],
  EPROTO: [71, "Protocol error"],
  EMSGSIZE: [90, "Message too long"],
  ENOTSUP: [95, "Operation not supported"],
  ECONNREFUSED: [111, "Connection refused"],
  EACCES: [13, "Permission denied"],
  EBADF: [9, "Socket is closed"],
  EBUSY: [16, "Socket is busy"],
  ENAMETOOLONG: [36, "File name too long"],
  EPIPE: [32, "Broken pipe"],
  EMFILE: [24, "Too many open file descriptors"],
  ENFILE: [23, "Too many open files in system"],
  ECONNABORTED: [103, "Software caused connection abort"],
  EFAULT: [14, "Context is closed"],
  ENOCOMPATPROTO: [HAUSNUMERO + 52, "The protocol is not compatible with the socket type"],
}

/** The message zeromq.js gives an error with this code. */
export function errorText(code: ZmqErrorCode): string {
  return ERRORS[code]?.[1] ?? code
}

/**
 * The one error class omq throws or rejects with. `message` is zeromq.js's text for the code
 * (so code that compares messages keeps working); `detail` says what exactly went wrong.
 */
export class ZmqError extends Error {
  override readonly name = "ZmqError"
  readonly code: ZmqErrorCode
  /** The errno number zeromq.js reports for `code`. */
  readonly errno: number
  /** omq's explanation of this failure ("unknown transport 'foo' in 'foo://bar'", ...). */
  readonly detail: string
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
    detail: string,
    address?: string,
    protocolError?: string,
    status?: 300 | 400 | 500,
  ) {
    super(errorText(code))
    this.code = code
    this.errno = ERRORS[code]?.[0] ?? 0
    this.detail = detail
    this.address = address
    this.protocolError = protocolError
    this.status = status
  }

  /**
   * An error for which zeromq.js has a fixed text of its own rather than the code's ("Front-end
   * socket must be bound or connected"): that text is the message, and the detail too.
   */
  static withMessage(code: ZmqErrorCode, message: string, address?: string): ZmqError {
    const error = new ZmqError(code, message, address)
    error.message = message
    return error
  }

  /** Both texts, so logs and `String(err)` still say what exactly went wrong. */
  override toString(): string {
    return this.detail
      ? `${this.name}: ${this.message} (${this.detail})`
      : `${this.name}: ${this.message}`
  }
}
