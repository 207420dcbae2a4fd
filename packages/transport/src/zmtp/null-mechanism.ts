import { type Command, encodeError, encodeReady } from "./command.js"
import { protocolError } from "./errors.js"
import {
  MAX_METADATA_COMMAND,
  type Mechanism,
  type MechanismStep,
  type ZapAnswer,
  type ZapPolicy,
} from "./mechanism.js"
import { parseMetadata } from "./metadata.js"
import { checkZapAnswer, noZapHandler, peerRefusal, zapRefusal } from "./peer-refusal.js"

const NO_ZAP: ZapPolicy = { domain: false, enforce: false }

/**
 * NULL mechanism (ZMTP 3.1): each side sends READY straight away (libzmq does not wait for the
 * peer's READY) and the handshake ends when the peer's READY arrives. With a zapDomain, as in
 * libzmq, the ZAP handler is asked first and READY goes only once it accepts.
 */
export class NullMechanism implements Mechanism {
  readonly name = "NULL"
  readonly asServer = false
  readonly maxCommandSize = MAX_METADATA_COMMAND
  private readonly localProps: [string, Uint8Array][]
  private readonly zap: ZapPolicy
  private done = false

  constructor(localProps: Iterable<[string, Uint8Array]>, zap: ZapPolicy = NO_ZAP) {
    // Copied: the iterable may be a one-shot generator.
    this.localProps = [...localProps]
    this.zap = zap
  }

  start(): MechanismStep {
    if (this.zap.domain) return { send: [], zap: { mechanism: "NULL", credentials: [] } }
    return { send: [encodeReady(this.localProps)] }
  }

  onZap(answer: ZapAnswer | null): MechanismStep {
    checkZapAnswer(answer)
    if (!answer) {
      if (this.zap.enforce) return { send: [], failure: noZapHandler() }
      return { send: [encodeReady(this.localProps)] }
    }
    if (answer.status !== "200") {
      return { send: [encodeError(answer.status)], failure: zapRefusal(answer.status, answer.text) }
    }
    return { send: [encodeReady(this.localProps)] }
  }

  onCommand(command: Command): MechanismStep {
    if (command.name === "ERROR") throw peerRefusal(command.data)
    if (command.name !== "READY") {
      throw protocolError(
        "ERR_ZMTP_UNEXPECTED_COMMAND",
        `unexpected ${command.name} command during NULL handshake`,
      )
    }
    if (this.done) throw protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", "duplicate READY command")
    this.done = true
    return { send: [], peer: parseMetadata(command.data) }
  }

  cipher(): null {
    return null
  }
}
