import { ZmqError, type ZmqErrorCode } from "@omq/transport"
import * as Comlink from "comlink/dist/esm/comlink.mjs"

/**
 * Comlink serialises thrown errors as plain {name, message}; this handler keeps the ZeroMQ
 * `code` so that `await sock.bind()` rejects with the same ZmqError across the thread boundary.
 * Installed on both sides of the control plane.
 */
interface WireError {
  zmq: boolean
  code?: string
  message: string
  address?: string | undefined
}

let installed = false

export function installErrorHandler(): void {
  if (installed) return
  installed = true
  const original = Comlink.transferHandlers.get("throw")!
  Comlink.transferHandlers.set("throw", {
    canHandle: original.canHandle,
    serialize(value: unknown) {
      const err = (value as { value: unknown }).value
      const wire: WireError =
        err instanceof ZmqError
          ? { zmq: true, code: err.code, message: err.message, address: err.address }
          : { zmq: false, message: err instanceof Error ? err.message : String(err) }
      return [wire, []]
    },
    deserialize(wire: unknown) {
      const w = wire as WireError
      throw w.zmq
        ? new ZmqError(w.code as ZmqErrorCode, w.message, w.address)
        : new Error(w.message)
    },
  })
}
