/** Why a ZMTP peer or frame was rejected; mirrors the errno libzmq would report. */
export type ZmtpErrorCode = "EPROTO" | "EMSGSIZE" | "EACCES"

/** libzmq's ZMQ_PROTOCOL_ERROR_* codes, by the names zeromq.js gives them in monitor events. */
export type ProtocolErrorName =
  | "ERR_ZMTP_UNSPECIFIED"
  | "ERR_ZMTP_UNEXPECTED_COMMAND"
  | "ERR_ZMTP_INVALID_SEQUENCE"
  | "ERR_ZMTP_KEY_EXCHANGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"
  | "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_HELLO"
  | "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"
  | "ERR_ZMTP_MALFORMED_COMMAND_ERROR"
  | "ERR_ZMTP_MALFORMED_COMMAND_READY"
  | "ERR_ZMTP_MALFORMED_COMMAND_WELCOME"
  | "ERR_ZMTP_INVALID_METADATA"
  | "ERR_ZMTP_CRYPTOGRAPHIC"
  | "ERR_ZMTP_MECHANISM_MISMATCH"
  | "ERR_ZAP_UNSPECIFIED"
  | "ERR_ZAP_MALFORMED_REPLY"
  | "ERR_ZAP_BAD_REQUEST_ID"
  | "ERR_ZAP_BAD_VERSION"
  | "ERR_ZAP_INVALID_STATUS_CODE"
  | "ERR_ZAP_INVALID_METADATA"

/**
 * Raised by the codec and mechanisms; the connection that caused it must be closed.
 * `protocolError` names the rule the peer broke; `zapStatus` is set when a ZAP handler (ours
 * or, through an ERROR command, the peer's) refused the handshake.
 */
export class ZmtpError extends Error {
  readonly code: ZmtpErrorCode
  readonly protocolError: ProtocolErrorName | undefined
  readonly zapStatus: 300 | 400 | 500 | undefined

  constructor(
    code: ZmtpErrorCode,
    message: string,
    protocolError?: ProtocolErrorName,
    zapStatus?: 300 | 400 | 500,
  ) {
    super(message)
    this.name = "ZmtpError"
    this.code = code
    this.protocolError = protocolError
    this.zapStatus = zapStatus
  }
}

/** A protocol error (EPROTO) naming libzmq's code for it. */
export function protocolError(name: ProtocolErrorName, message: string): ZmtpError {
  return new ZmtpError("EPROTO", message, name)
}
