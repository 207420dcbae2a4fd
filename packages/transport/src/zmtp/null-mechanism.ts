import { type Command, encodeReady, parseError } from "./command.js"
import { ZmtpError } from "./errors.js"
import type { Mechanism, MechanismStep } from "./mechanism.js"
import { parseMetadata } from "./metadata.js"

/**
 * NULL mechanism: each side sends READY straight away (libzmq does not wait for the
 * peer's READY) and the handshake ends when the peer's READY arrives.
 */
export class NullMechanism implements Mechanism {
  readonly name = "NULL"
  private readonly localProps: [string, Uint8Array][]
  private done = false

  constructor(localProps: Iterable<[string, Uint8Array]>) {
    // Copied: the iterable may be a one-shot generator.
    this.localProps = [...localProps]
  }

  start(): MechanismStep {
    return { send: [encodeReady(this.localProps)] }
  }

  onCommand(command: Command): MechanismStep {
    if (command.name === "ERROR") throw new ZmtpError("EACCES", parseError(command.data))
    if (command.name !== "READY") {
      throw new ZmtpError("EPROTO", `unexpected ${command.name} command during NULL handshake`)
    }
    if (this.done) throw new ZmtpError("EPROTO", "duplicate READY command")
    this.done = true
    return { send: [], peer: parseMetadata(command.data) }
  }
}
