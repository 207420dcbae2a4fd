import { ZmqError } from "@omq/transport"
import type { SocketOptions } from "./options.js"

/** How libzmq stores an option, which decides the numbered accessors that may reach it. */
type NativeType = "int" | "int64" | "uint64" | "string"

/**
 * libzmq's option numbers (zmq.h) for the options omq has, with their native types. zeromq.js's
 * getInt32Option(19) and friends reach options by these numbers.
 */
const BY_NUMBER = new Map<number, [keyof SocketOptions, NativeType]>([
  [4, ["affinity", "uint64"]],
  [5, ["routingId", "string"]],
  [8, ["rate", "int"]],
  [9, ["recoveryInterval", "int"]],
  [17, ["linger", "int"]],
  [18, ["reconnectInterval", "int"]],
  [19, ["backlog", "int"]],
  [21, ["reconnectMaxInterval", "int"]],
  [22, ["maxMessageSize", "int64"]],
  [23, ["sendHighWaterMark", "int"]],
  [24, ["receiveHighWaterMark", "int"]],
  [27, ["receiveTimeout", "int"]],
  [28, ["sendTimeout", "int"]],
  [39, ["immediate", "int"]],
  [44, ["plainServer", "int"]],
  [45, ["plainUsername", "string"]],
  [46, ["plainPassword", "string"]],
  [47, ["curveServer", "int"]],
  [48, ["curvePublicKey", "string"]],
  [49, ["curveSecretKey", "string"]],
  [50, ["curveServerKey", "string"]],
  [54, ["conflate", "int"]],
  [55, ["zapDomain", "string"]],
  [66, ["handshakeInterval", "int"]],
  [68, ["socksProxy", "string"]],
  [75, ["heartbeatInterval", "int"]],
  [76, ["heartbeatTimeToLive", "int"]],
  [77, ["heartbeatTimeout", "int"]],
  [93, ["zapEnforceDomain", "int"]],
])

/** Which accessor family a numbered call came through. */
export type NumberedAccessor = "bool" | "int32" | "uint32" | "int64" | "uint64" | "string"

const NATIVE_OF: Record<NumberedAccessor, NativeType> = {
  bool: "int",
  int32: "int",
  uint32: "int",
  int64: "int64",
  uint64: "uint64",
  string: "string",
}

/**
 * The option a numbered accessor names. As libzmq: EINVAL for a number it does not know, or one
 * whose native type is not the accessor's (getInt64Option on an int option).
 */
export function numberedOption(id: unknown, accessor: NumberedAccessor): keyof SocketOptions {
  if (typeof id !== "number") throw new TypeError("Identifier must be a number")
  const entry = BY_NUMBER.get(id)
  if (!entry) throw new ZmqError("EINVAL", `omq has no socket option number ${id}`)
  const [name, native] = entry
  if (native !== NATIVE_OF[accessor]) {
    throw new ZmqError("EINVAL", `option ${id} (${name}) is not read as ${accessor}`)
  }
  return name
}

/** An option's value as the accessor returns it (zeromq.js: null for an empty string). */
export function numberedRead(value: unknown, accessor: NumberedAccessor): unknown {
  if (accessor === "bool") return Boolean(value)
  if (accessor === "string") return value === "" || value === null ? null : value
  return typeof value === "boolean" ? Number(value) : value
}

/**
 * A value given to a numbered setter, checked by the accessor's type (zeromq.js's TypeErrors)
 * and converted to the option's own: a number for a boolean option is true unless 0.
 */
export function numberedValue(
  value: unknown,
  accessor: NumberedAccessor,
  current: unknown,
): unknown {
  if (accessor === "bool") {
    if (typeof value !== "boolean") throw new TypeError("Option value must be a boolean")
    return typeof current === "number" ? Number(value) : value
  }
  if (accessor === "string") {
    if (value !== null && typeof value !== "string" && !(value instanceof Uint8Array)) {
      throw new TypeError("Option value must be a string or buffer")
    }
    return value
  }
  if (typeof value !== "number") throw new TypeError("Option value must be a number")
  // A double above 2^53 - 1 is not the integer it was written as; zeromq.js warns so too.
  if (accessor === "uint64" && value > Number.MAX_SAFE_INTEGER) {
    process.emitWarning(
      "Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately.",
    )
  }
  return typeof current === "boolean" ? value !== 0 : value
}
