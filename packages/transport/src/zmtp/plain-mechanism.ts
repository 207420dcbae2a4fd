import { type Command, encodeCommand, encodeReady } from "./command.js"
import { protocolError } from "./errors.js"
import {
  MAX_METADATA_COMMAND,
  type Mechanism,
  type MechanismStep,
  type ZapAnswer,
} from "./mechanism.js"
import { encodeMetadata, parseMetadata } from "./metadata.js"
import {
  checkZapAnswer,
  encodeLibzmqPlainError,
  noZapHandler,
  peerRefusal,
  zapRefusal,
} from "./peer-refusal.js"

/** HELLO: two length-prefixed fields of at most 255 bytes each. */
const MAX_HELLO = 2 + 2 * 255
const EMPTY = new Uint8Array(0)

export interface PlainClientOptions {
  username: Uint8Array
  password: Uint8Array
}

enum Step {
  Start,
  /** Client: HELLO sent. Server: waiting for HELLO. */
  Hello,
  /** Server: waiting for the ZAP answer to HELLO. */
  Zap,
  /** Client: INITIATE sent, waiting for READY. Server: WELCOME sent, waiting for INITIATE. */
  Initiate,
  Done,
}

/**
 * PLAIN (RFC 24): the client sends its username and password in clear; the server asks its ZAP
 * handler, which libzmq requires: with none bound, the handshake fails.
 *
 *   client HELLO → server WELCOME (or ERROR) → client INITIATE → server READY
 */
export class PlainMechanism implements Mechanism {
  readonly name = "PLAIN"
  readonly asServer: boolean
  private readonly localProps: [string, Uint8Array][]
  private readonly credentials: PlainClientOptions | null
  private step = Step.Start

  /** `credentials` makes a client; null makes a server. */
  constructor(localProps: Iterable<[string, Uint8Array]>, credentials: PlainClientOptions | null) {
    this.localProps = [...localProps]
    this.credentials = credentials
    this.asServer = credentials === null
    if (credentials) {
      checkField("username", credentials.username)
      checkField("password", credentials.password)
    }
  }

  get maxCommandSize(): number {
    // A server waiting for HELLO needs no more than HELLO's fields can hold.
    return this.asServer && this.step <= Step.Hello ? 6 + MAX_HELLO : MAX_METADATA_COMMAND
  }

  start(): MechanismStep {
    const credentials = this.credentials
    this.step = Step.Hello
    if (!credentials) return { send: [] }
    const { username, password } = credentials
    const hello = new Uint8Array(2 + username.byteLength + password.byteLength)
    hello[0] = username.byteLength
    hello.set(username, 1)
    hello[1 + username.byteLength] = password.byteLength
    hello.set(password, 2 + username.byteLength)
    return { send: [encodeCommand("HELLO", hello)] }
  }

  onCommand(command: Command): MechanismStep {
    if (command.name === "ERROR") throw peerRefusal(command.data)
    return this.asServer ? this.#serverCommand(command) : this.#clientCommand(command)
  }

  #serverCommand({ name, data }: Command): MechanismStep {
    if (this.step === Step.Hello && name === "HELLO") {
      this.step = Step.Zap
      return { send: [], zap: { mechanism: "PLAIN", credentials: parseHello(data) } }
    }
    if (this.step === Step.Initiate && name === "INITIATE") {
      this.step = Step.Done
      const peer = parseMetadata(data)
      return { send: [encodeReady(this.localProps)], peer }
    }
    throw unexpected(name)
  }

  #clientCommand({ name, data }: Command): MechanismStep {
    if (this.step === Step.Hello && name === "WELCOME") {
      if (data.byteLength !== 0) {
        throw protocolError("ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "PLAIN WELCOME with a body")
      }
      this.step = Step.Initiate
      return { send: [encodeCommand("INITIATE", encodeMetadata(this.localProps))] }
    }
    if (this.step === Step.Initiate && name === "READY") {
      this.step = Step.Done
      return { send: [], peer: parseMetadata(data) }
    }
    throw unexpected(name)
  }

  onZap(answer: ZapAnswer | null): MechanismStep {
    checkZapAnswer(answer)
    if (this.step !== Step.Zap) throw protocolError("ERR_ZAP_UNSPECIFIED", "unexpected ZAP answer")
    if (!answer) return { send: [], failure: noZapHandler() }
    if (answer.status !== "200") {
      const refusal = encodeLibzmqPlainError(answer.status)
      return { send: [refusal], failure: zapRefusal(answer.status, answer.text) }
    }
    this.step = Step.Initiate
    return { send: [encodeCommand("WELCOME", EMPTY)] }
  }

  cipher(): null {
    return null
  }
}

function parseHello(data: Uint8Array): Uint8Array[] {
  const userLen = data[0]
  if (userLen === undefined || 1 + userLen >= data.byteLength) throw malformedHello()
  const passLen = data[1 + userLen]!
  if (2 + userLen + passLen !== data.byteLength) throw malformedHello()
  // Copied: the credentials outlive the chunk they came in (they go to the ZAP handler).
  return [data.slice(1, 1 + userLen), data.slice(2 + userLen)]
}

function malformedHello(): Error {
  return protocolError("ERR_ZMTP_MALFORMED_COMMAND_HELLO", "malformed PLAIN HELLO")
}

function unexpected(name: string): Error {
  return protocolError("ERR_ZMTP_UNEXPECTED_COMMAND", `unexpected ${name} in PLAIN handshake`)
}

function checkField(name: string, value: Uint8Array): void {
  if (value.byteLength > 255) throw new RangeError(`PLAIN ${name} longer than 255 bytes`)
}
