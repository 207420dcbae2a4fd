// The host side of a large outgoing message (OutgoingStream) on its own, where a reconnect can
// be placed exactly between two frames of one message: the real-connection version of this
// is a race no test can aim at.
import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Engine } from "@omq/transport"
import { HostedPeer } from "../src/io/hosted-peer.js"
import { OutgoingStream } from "../src/io/outgoing-stream.js"

/** An engine that records what it is asked to write. */
function recordingEngine(): Engine & { bytes: number } {
  const engine = {
    ready: true,
    peerMinor: 1,
    bytes: 0,
    writeFrame: (body: Uint8Array) => {
      engine.bytes += body.byteLength
    },
    writeFrameHeader: () => {},
    writeBytes: (bytes: Uint8Array) => {
      engine.bytes += bytes.byteLength
    },
    writeOwned: (bytes: Uint8Array) => {
      engine.bytes += bytes.byteLength
    },
    writeEncoded: () => {},
    zapAnswer: () => {},
    flush: () => true,
    pause: () => {},
    resume: () => {},
    end: async () => {},
    destroy: () => {},
  }
  return engine
}

function streamFor(peers: HostedPeer[]): { stream: OutgoingStream; touched: Set<HostedPeer> } {
  const touched = new Set<HostedPeer>()
  const stream = new OutgoingStream({
    peer: (id) => peers.find((p) => p.id === id),
    touched: (peer) => touched.add(peer),
    giveBack: () => {},
  })
  return { stream, touched }
}

describe("OutgoingStream", () => {
  it("a whole message written to a live connection counts once toward the pipe's credit", () => {
    const peer = new HostedPeer(7, "tcp://x")
    const engine = recordingEngine()
    peer.engine = engine
    const { stream, touched } = streamFor([peer])
    stream.frameStart(7, 4, true)
    stream.chunk(new Uint8Array(4), false)
    stream.frameStart(7, 3, false)
    stream.chunk(new Uint8Array(3), false)
    assert.equal(peer.written, 1)
    assert.equal(engine.bytes, 7)
    assert.ok(touched.has(peer))
  })

  it("a message cut by a reconnect is dropped but still returns its credit to the pipe", () => {
    const peer = new HostedPeer(7, "tcp://x")
    const old = recordingEngine()
    peer.engine = old
    const { stream } = streamFor([peer])
    stream.frameStart(7, 4, true)
    stream.chunk(new Uint8Array(4), false)
    const fresh = recordingEngine()
    peer.engine = fresh // the connection dropped and the pipe reconnected mid-message
    stream.frameStart(7, 3, false)
    stream.chunk(new Uint8Array(3), false)
    assert.equal(fresh.bytes, 0, "no tail of a message goes to the new connection")
    assert.equal(peer.written, 1, "the credit comes back")
    // The next message goes to the new connection whole.
    stream.frameStart(7, 2, false)
    stream.chunk(new Uint8Array(2), false)
    assert.equal(fresh.bytes, 2)
    assert.equal(peer.written, 2)
  })

  it("a message for a pipe that is gone returns no credit (the pipe's count went with it)", () => {
    const peer = new HostedPeer(7, "tcp://x")
    peer.engine = recordingEngine()
    const peers = [peer]
    const { stream } = streamFor(peers)
    stream.frameStart(7, 4, true)
    stream.chunk(new Uint8Array(4), false)
    peers.pop() // the pipe was removed, and its connection closed
    peer.engine = null
    stream.frameStart(7, 3, false)
    stream.chunk(new Uint8Array(3), false)
    assert.equal(peer.written, 0)
  })
})
