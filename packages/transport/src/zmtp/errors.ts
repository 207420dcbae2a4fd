/** Why a ZMTP peer or frame was rejected; mirrors the errno libzmq would report. */
export type ZmtpErrorCode = "EPROTO" | "EMSGSIZE" | "EACCES"

/** Raised by the codec and mechanisms; the connection that caused it must be closed. */
export class ZmtpError extends Error {
  readonly code: ZmtpErrorCode

  constructor(code: ZmtpErrorCode, message: string) {
    super(message)
    this.name = "ZmtpError"
    this.code = code
  }
}
