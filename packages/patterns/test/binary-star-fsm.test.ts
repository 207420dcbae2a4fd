// The Binary Star state machine alone (zguide chapter 5): every cell of the guide's table, each
// with the peer expired and not, and the wire form of the states (decimal text, as bstarsrv).
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import {
  type BinaryStarFsmEvent,
  type BinaryStarState,
  type BinaryStarStep,
  binaryStarStep,
} from "../src/binary-star.js"
import { decodePeerState, encodeState } from "../src/binary-star-fsm.js"

const STATES: BinaryStarState[] = ["PRIMARY", "BACKUP", "ACTIVE", "PASSIVE"]
const EVENTS: BinaryStarFsmEvent[] = [
  "PEER_PRIMARY",
  "PEER_BACKUP",
  "PEER_ACTIVE",
  "PEER_PASSIVE",
  "CLIENT_REQUEST",
]

const ok = (state: BinaryStarState): BinaryStarStep => ({ kind: "ok", state })
const serve = (state: BinaryStarState): BinaryStarStep => ({ kind: "serve", state })
const reject = (state: BinaryStarState): BinaryStarStep => ({ kind: "reject", state })

/**
 * The guide's table, written out cell by cell: [peer alive, peer expired]. Only a PASSIVE
 * server's answer to a client request depends on the peer's expiry.
 */
const TABLE: Record<
  BinaryStarState,
  Record<BinaryStarFsmEvent, [BinaryStarStep, BinaryStarStep]>
> = {
  PRIMARY: {
    PEER_PRIMARY: [ok("PRIMARY"), ok("PRIMARY")],
    PEER_BACKUP: [ok("ACTIVE"), ok("ACTIVE")],
    PEER_ACTIVE: [ok("PASSIVE"), ok("PASSIVE")],
    PEER_PASSIVE: [ok("PRIMARY"), ok("PRIMARY")],
    CLIENT_REQUEST: [serve("PRIMARY"), serve("PRIMARY")],
  },
  BACKUP: {
    PEER_PRIMARY: [ok("BACKUP"), ok("BACKUP")],
    PEER_BACKUP: [ok("BACKUP"), ok("BACKUP")],
    PEER_ACTIVE: [ok("PASSIVE"), ok("PASSIVE")],
    PEER_PASSIVE: [ok("BACKUP"), ok("BACKUP")],
    CLIENT_REQUEST: [reject("BACKUP"), reject("BACKUP")],
  },
  ACTIVE: {
    PEER_PRIMARY: [ok("ACTIVE"), ok("ACTIVE")],
    PEER_BACKUP: [ok("ACTIVE"), ok("ACTIVE")],
    PEER_ACTIVE: [
      { kind: "fatal", state: "ACTIVE", reason: "split-brain" },
      { kind: "fatal", state: "ACTIVE", reason: "split-brain" },
    ],
    PEER_PASSIVE: [ok("ACTIVE"), ok("ACTIVE")],
    CLIENT_REQUEST: [serve("ACTIVE"), serve("ACTIVE")],
  },
  PASSIVE: {
    PEER_PRIMARY: [ok("ACTIVE"), ok("ACTIVE")],
    PEER_BACKUP: [ok("ACTIVE"), ok("ACTIVE")],
    PEER_ACTIVE: [ok("PASSIVE"), ok("PASSIVE")],
    PEER_PASSIVE: [
      { kind: "fatal", state: "PASSIVE", reason: "dual-passive" },
      { kind: "fatal", state: "PASSIVE", reason: "dual-passive" },
    ],
    CLIENT_REQUEST: [reject("PASSIVE"), serve("ACTIVE")],
  },
}

describe("Binary Star state machine", () => {
  for (const state of STATES) {
    for (const event of EVENTS) {
      for (const peerExpired of [false, true]) {
        const want = TABLE[state][event][peerExpired ? 1 : 0]
        it(`${state} + ${event}${peerExpired ? " (peer expired)" : ""} → ${want.kind} ${want.state}`, () => {
          assert.deepEqual(binaryStarStep(state, event, peerExpired), want)
        })
      }
    }
  }

  it("the table covers 4 states × 5 events", () => {
    assert.equal(Object.keys(TABLE).length, 4)
    for (const row of Object.values(TABLE)) assert.deepEqual(Object.keys(row), EVENTS)
  })

  it("the pair's normal life: start, fail over on a vote, come back passive", () => {
    // Primary and backup meet: the primary goes active, the backup passive.
    let primary: BinaryStarState = binaryStarStep("PRIMARY", "PEER_BACKUP", false).state
    let backup: BinaryStarState = binaryStarStep("BACKUP", "PEER_ACTIVE", false).state
    assert.deepEqual([primary, backup], ["ACTIVE", "PASSIVE"])
    // The primary dies; a client's request to the backup is refused until the primary expired.
    assert.equal(binaryStarStep(backup, "CLIENT_REQUEST", false).kind, "reject")
    const vote = binaryStarStep(backup, "CLIENT_REQUEST", true)
    assert.deepEqual(vote, { kind: "serve", state: "ACTIVE" })
    backup = vote.state
    // The primary restarts: it hears an active backup and goes passive; the backup stays.
    primary = binaryStarStep("PRIMARY", "PEER_ACTIVE", false).state
    assert.equal(primary, "PASSIVE")
    assert.equal(binaryStarStep(backup, "PEER_PRIMARY", false).state, "ACTIVE")
    assert.equal(binaryStarStep(backup, "PEER_PASSIVE", false).state, "ACTIVE")
  })

  it("states travel as the guide's decimal digits; anything else is not a state", () => {
    assert.deepEqual(
      STATES.map((s) => encodeState(s)),
      ["1", "2", "3", "4"],
    )
    for (const state of STATES) {
      assert.equal(decodePeerState(Buffer.from(encodeState(state))), `PEER_${state}`)
    }
    for (const bad of ["", "0", "5", "13", "A", "\x01"]) {
      assert.equal(decodePeerState(Buffer.from(bad)), null, JSON.stringify(bad))
    }
  })
})
