// A CURVE server's prepare(): the engine calls it once a step's commands are written, so the
// server's transient key pair and session key are made while the client works, not after.
import { strict as assert } from "node:assert"
import { afterEach, it } from "node:test"
import nacl from "tweetnacl"
import {
  curveKeyPairBytes,
  Handshake,
  type HandshakeProgress,
  mechanismFor,
  type Security,
  useX25519,
} from "../src/zmtp/mod.js"
import { converse, type Party, whole } from "./helpers/handshake-pump.js"

/** Counts the scalar multiplications of each kind (tweetnacl underneath). */
const counts = { keyPairs: 0, shared: 0 }
function countX25519(): void {
  counts.keyPairs = counts.shared = 0
  useX25519({
    keyPair: () => {
      counts.keyPairs++
      return nacl.box.keyPair()
    },
    sharedSecret: (theirPublic, mySecret) => {
      counts.shared++
      return nacl.scalarMult(mySecret, theirPublic)
    },
  })
}
afterEach(() => useX25519(null))

/** A Handshake that prepares after each step, as ZmtpEngine does once the step is written. */
class PreparingHandshake extends Handshake {
  override start(): Uint8Array {
    const greeting = super.start()
    this.prepare()
    return greeting
  }
  override push(chunk: Uint8Array): HandshakeProgress {
    const progress = super.push(chunk)
    if (!progress.failure && !progress.zap && !progress.done) this.prepare()
    return progress
  }
}

function securities(): { client: Security; server: Security } {
  const server = curveKeyPairBytes()
  const client = curveKeyPairBytes()
  return {
    client: { mechanism: "CURVE", server: false, serverKey: server.publicKey, ...client },
    server: {
      mechanism: "CURVE",
      server: true,
      secretKey: server.secretKey,
      publicKey: server.publicKey,
      zap: { domain: false, enforce: false },
    },
  }
}
const props = (type: string): [string, Uint8Array][] => [
  ["Socket-Type", new TextEncoder().encode(type)],
]

it("a server's transient key pair is made once its greeting is out, before HELLO", () => {
  const { server } = securities()
  countX25519()
  new PreparingHandshake(mechanismFor(server, props("ROUTER"))).start()
  assert.equal(counts.keyPairs, 1)
  assert.equal(counts.shared, 0)
})

it("a preparing server completes with a client and makes no key twice", () => {
  const { client, server } = securities()
  countX25519()
  const c: Party = { handshake: new Handshake(mechanismFor(client, props("DEALER"))) }
  const s: Party = {
    handshake: new PreparingHandshake(mechanismFor(server, props("ROUTER"))),
    zap: () => null,
  }
  const [co, so] = converse(c, s, whole)
  assert.ok(co.done && so.done, "both sides completed")
  // Each side: one transient key pair and three box keys (client: HELLO/WELCOME, session,
  // vouch; server: HELLO/WELCOME, session, vouch), as without prepare().
  assert.deepEqual(counts, { keyPairs: 2, shared: 6 })
  const sealed = co.done.cipher!.seal(0, new TextEncoder().encode("hi"))
  assert.equal(new TextDecoder().decode(so.done.cipher!.open(sealed).body), "hi")
})
