import { strict as assert } from "node:assert"
import {
  FrameDecoder,
  type Handshake,
  type HandshakeProgress,
  type HandshakeResult,
  parseCommand,
  type ZapAnswer,
  type ZapQuery,
  ZmtpError,
} from "../../src/zmtp/mod.js"

/**
 * Drives two Handshake instances against each other in memory: what one side's progress asks
 * to send is cut into chunks by a Splitter and pushed into the other, until neither has
 * anything left to say. No IO, no timers: a test sees every byte and every decision.
 */

/** Cuts a byte stream into the chunks one delivery pushes, in order. */
export type Splitter = (bytes: Uint8Array) => Uint8Array[]

export interface Party {
  readonly handshake: Handshake
  /** This side's ZAP handler: the answer to each question (null: no handler is bound). */
  readonly zap?: (query: ZapQuery) => ZapAnswer | null
  /** Frames this side writes as soon as its handshake is done (sealed already if need be). */
  readonly afterDone?: (done: HandshakeResult) => Uint8Array[]
}

/** How one side ended. */
export interface Outcome {
  done?: HandshakeResult
  /** A refusal the handshake reported (it wrote `failureSend`, then closes). */
  failure?: ZmtpError
  failureSend?: Uint8Array[]
  /** What push or zapAnswer threw. */
  error?: unknown
  /** Every ZAP question this side asked. */
  queries: ZapQuery[]
  /** Bytes received after the handshake: `rest`, then every later chunk, in order. */
  tail: Uint8Array
  /** Whether `rest` was ever set (the handshake ended inside a chunk). */
  restSeen: boolean
}

interface Side {
  party: Party
  outcome: Outcome
  outbox: Uint8Array[]
  tail: Uint8Array[]
  closed: boolean
}

/** Runs both handshakes to the end. `a` and `b` play symmetric roles. */
export function converse(a: Party, b: Party, split: Splitter): [Outcome, Outcome] {
  const sides = [newSide(a), newSide(b)] as const
  for (const side of sides) side.outbox.push(side.party.handshake.start())
  let moved = true
  while (moved) {
    moved = false
    for (const [from, to] of [
      [sides[0], sides[1]],
      [sides[1], sides[0]],
    ] as const) {
      if (from.outbox.length === 0) continue
      moved = true
      const bytes = concat(from.outbox)
      from.outbox = []
      for (const chunk of split(bytes)) {
        if (to.closed) break // a closed connection reads nothing more
        deliver(to, chunk)
      }
    }
  }
  for (const side of sides) side.outcome.tail = concat(side.tail)
  return [sides[0].outcome, sides[1].outcome]
}

function newSide(party: Party): Side {
  return {
    party,
    outcome: { queries: [], tail: new Uint8Array(0), restSeen: false },
    outbox: [],
    tail: [],
    closed: false,
  }
}

function deliver(side: Side, chunk: Uint8Array): void {
  if (side.outcome.done) {
    side.tail.push(chunk)
    return
  }
  try {
    apply(side, side.party.handshake.push(chunk))
  } catch (err) {
    side.outcome.error = err
    side.closed = true
  }
}

function apply(side: Side, progress: HandshakeProgress): void {
  side.outbox.push(...progress.send)
  if (progress.failure) {
    side.outcome.failure = progress.failure
    side.outcome.failureSend = progress.send
    side.closed = true
    return
  }
  if (progress.zap) {
    side.outcome.queries.push(progress.zap)
    const answer = side.party.zap ? side.party.zap(progress.zap) : null
    apply(side, side.party.handshake.zapAnswer(answer))
    return
  }
  if (progress.done) {
    side.outcome.done = progress.done
    if (progress.rest) {
      side.outcome.restSeen = true
      side.tail.push(progress.rest)
    }
    side.outbox.push(...(side.party.afterDone?.(progress.done) ?? []))
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0
  for (const part of parts) size += part.byteLength
  const out = new Uint8Array(size)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

/** The whole stream in one chunk. */
export const whole: Splitter = (bytes) => [bytes]

/** One byte per chunk. */
export const byteByByte: Splitter = (bytes) =>
  Array.from({ length: bytes.byteLength }, (_, i) => bytes.subarray(i, i + 1))

/** Chunks of the given sizes, used in turn and round again. */
export function cycling(sizes: readonly number[]): Splitter {
  return (bytes) => {
    const chunks: Uint8Array[] = []
    for (let at = 0, i = 0; at < bytes.byteLength; i++) {
      const size = sizes[i % sizes.length]!
      chunks.push(bytes.subarray(at, at + size))
      at += size
    }
    return chunks
  }
}

/** Every frame in a byte stream, copied: flags (MORE, LONG, COMMAND bits) and body. */
export function framesIn(bytes: Uint8Array): { flags: number; body: Uint8Array }[] {
  const frames: { flags: number; body: Uint8Array }[] = []
  const decoder = new FrameDecoder({
    onFrame: (flags, body) => frames.push({ flags, body: body.slice() }),
  })
  decoder.push(bytes)
  return frames
}

/** The command names in a byte stream of whole command frames. */
export function commandNames(bytes: readonly Uint8Array[]): string[] {
  return framesIn(concat(bytes)).map((frame) => parseCommand(frame.body).name)
}

/**
 * An assert.throws predicate (also usable on a caught value): a ZmtpError with these fields.
 * It asserts rather than returning false, so a mismatch says what was found.
 */
export function zmtpError(expected: {
  code?: string
  protocolError?: string
  zapStatus?: number
}): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof ZmtpError, `expected a ZmtpError, got ${String(err)}`)
    if (expected.code !== undefined) assert.equal(err.code, expected.code, err.message)
    if (expected.protocolError !== undefined) {
      assert.equal(err.protocolError, expected.protocolError, err.message)
    }
    if (expected.zapStatus !== undefined) assert.equal(err.zapStatus, expected.zapStatus)
    return true
  }
}
