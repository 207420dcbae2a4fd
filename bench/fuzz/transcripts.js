// Valid handshake transcripts, recorded from real conversations between our own mechanisms:
// the seed corpus the fuzzer mutates (bench/fuzz/fuzz.js).
import {
  curveKeyPairBytes,
  encodeCancel,
  encodeFrame,
  encodePing,
  encodePong,
  encodeSubscribe,
  FLAG_COMMAND,
  FLAG_MORE,
  Handshake,
  mechanismFor,
} from "@omq/transport/zmtp"
import { concat } from "./mutate.js"

const text = (s) => new TextEncoder().encode(s)

/** Long-term CURVE keys for the whole run: the server's, and one client's. */
export const CURVE_SERVER = curveKeyPairBytes()
export const CURVE_CLIENT = curveKeyPairBytes()

export const SECURITY = {
  NULL: () => ({ mechanism: "NULL", zap: { domain: false, enforce: false } }),
  PLAIN_SERVER: () => ({
    mechanism: "PLAIN",
    server: true,
    zap: { domain: false, enforce: false },
  }),
  PLAIN_CLIENT: (username = text("admin"), password = text("secret")) => ({
    mechanism: "PLAIN",
    server: false,
    username,
    password,
  }),
  CURVE_SERVER: (zap = { domain: false, enforce: false }) => ({
    mechanism: "CURVE",
    server: true,
    secretKey: CURVE_SERVER.secretKey,
    zap,
  }),
  CURVE_CLIENT: () => ({
    mechanism: "CURVE",
    server: false,
    serverKey: CURVE_SERVER.publicKey,
    publicKey: CURVE_CLIENT.publicKey,
    secretKey: CURVE_CLIENT.secretKey,
  }),
}

/** READY / INITIATE properties as a socket of this type sends them. */
export function propsFor(type, identity) {
  const props = [["Socket-Type", text(type)]]
  if (identity !== undefined) props.push(["Identity", identity])
  return props
}

/** Frames an engine writes once the handshake is done: data, multipart, long, and commands. */
function trailerFrames(variant) {
  const frames = [
    [FLAG_MORE, text("topic")],
    [0, new Uint8Array(40 + variant * 97).fill(variant)],
    [FLAG_COMMAND, encodePing(variant, text("ctx")).subarray(2)],
    [FLAG_COMMAND, encodePong(text("ctx")).subarray(2)],
    [FLAG_COMMAND, encodeSubscribe(text("a")).subarray(2)],
    [FLAG_COMMAND, encodeCancel(text("a")).subarray(2)],
  ]
  return frames.slice(0, 2 + (variant % 5))
}

/** Sealed as CURVE does: the box's flags byte carries MORE (bit 0) and COMMAND (bit 1). */
function writeAfterDone(done, variant) {
  return trailerFrames(variant).map(([flags, body]) => {
    if (!done.cipher) return encodeFrame(body, flags)
    const sealed = (flags & FLAG_MORE ? 1 : 0) | (flags & FLAG_COMMAND ? 2 : 0)
    return encodeFrame(done.cipher.seal(sealed, body), 0)
  })
}

/**
 * Runs a client and a server handshake against each other (whole chunks; ZAP answered 200) and
 * returns every byte each one wrote, trailing frames included.
 */
export function record(clientSecurity, clientProps, serverSecurity, serverProps, variant) {
  const sides = [
    { hs: new Handshake(mechanismFor(clientSecurity, clientProps)), wrote: [], outbox: [] },
    { hs: new Handshake(mechanismFor(serverSecurity, serverProps)), wrote: [], outbox: [] },
  ]
  for (const side of sides) side.outbox.push(side.hs.start())
  for (let moved = true; moved; ) {
    moved = false
    for (const [from, to] of [
      [sides[0], sides[1]],
      [sides[1], sides[0]],
    ]) {
      if (from.outbox.length === 0) continue
      moved = true
      const bytes = concat(from.outbox)
      from.outbox = []
      from.wrote.push(bytes)
      if (to.hs.done) continue
      let progress = to.hs.push(bytes)
      while (progress.zap) {
        to.outbox.push(...progress.send)
        progress = to.hs.zapAnswer(ZAP_OK)
      }
      to.outbox.push(...progress.send)
      if (progress.failure) throw progress.failure
      if (progress.done) to.outbox.push(...writeAfterDone(progress.done, variant))
    }
  }
  if (!sides[0].hs.done || !sides[1].hs.done) throw new Error("transcript handshake incomplete")
  return { toServer: concat(sides[0].wrote), toClient: concat(sides[1].wrote) }
}

export const ZAP_OK = { status: "200", text: "OK", userId: text("u"), metadata: new Map() }

const PAIRS = [
  ["DEALER", text("id-1"), "ROUTER", undefined],
  ["REQ", new Uint8Array(0), "REP", undefined],
  ["PUSH", undefined, "PULL", undefined],
  ["SUB", undefined, "PUB", undefined],
  ["ROUTER", new Uint8Array(255).fill(0x61), "DEALER", text("x")],
]

/** Transcripts per mechanism: `toServer` is what a client wrote, `toClient` a server. */
export function buildCorpus() {
  const corpus = { NULL: [], PLAIN: [], CURVE: [] }
  PAIRS.forEach(([clientType, clientId, serverType, serverId], variant) => {
    const clientProps = propsFor(clientType, clientId)
    const serverProps = propsFor(serverType, serverId)
    corpus.NULL.push(record(SECURITY.NULL(), clientProps, SECURITY.NULL(), serverProps, variant))
    const user = variant === 4 ? new Uint8Array(255).fill(0x75) : text("admin")
    corpus.PLAIN.push(
      record(
        SECURITY.PLAIN_CLIENT(user),
        clientProps,
        SECURITY.PLAIN_SERVER(),
        serverProps,
        variant,
      ),
    )
    corpus.CURVE.push(
      record(SECURITY.CURVE_CLIENT(), clientProps, SECURITY.CURVE_SERVER(), serverProps, variant),
    )
  })
  return corpus
}
