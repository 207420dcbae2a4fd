/**
 * The Binary Star state machine (zguide chapter 5), with no sockets and no timers: what a server
 * in one state does with one event. The reactor (binary-star-server.ts) feeds it the peer's
 * published state and each client request, and says whether the peer has expired.
 */

/** Where a server stands. PRIMARY and BACKUP: started, the peer not yet heard from. */
export type BinaryStarState = "PRIMARY" | "BACKUP" | "ACTIVE" | "PASSIVE"

/** The peer's published state (PEER_*), or a request from a client. */
export type BinaryStarFsmEvent =
  | "PEER_PRIMARY"
  | "PEER_BACKUP"
  | "PEER_ACTIVE"
  | "PEER_PASSIVE"
  | "CLIENT_REQUEST"

/** Why a pair cannot go on: two actives (split brain), or two passives (nobody would serve). */
export type BinaryStarFatal = "split-brain" | "dual-passive"

/** What the server does after one event. */
export type BinaryStarStep =
  /** A peer event taken in (`state` may be new). */
  | { kind: "ok"; state: BinaryStarState }
  /** A client request this server answers (in `state`, which may be new: a failover). */
  | { kind: "serve"; state: BinaryStarState }
  /** A client request this server does not answer: it is dropped, the client tries the other. */
  | { kind: "reject"; state: BinaryStarState }
  /** The pair is broken: the server must stop. */
  | { kind: "fatal"; state: BinaryStarState; reason: BinaryStarFatal }

/**
 * The guide's table. `peerExpired`: the peer has been silent for its expiry time (2 heartbeats),
 * which is what lets a PASSIVE server take a client's request as the sign to fail over.
 *
 * | state   | PEER_PRIMARY | PEER_BACKUP | PEER_ACTIVE | PEER_PASSIVE | CLIENT_REQUEST |
 * | ------- | ------------ | ----------- | ----------- | ------------ | -------------- |
 * | PRIMARY | -            | → ACTIVE    | → PASSIVE   | -            | serve          |
 * | BACKUP  | -            | -           | → PASSIVE   | -            | reject         |
 * | ACTIVE  | -            | -           | split brain | -            | serve          |
 * | PASSIVE | → ACTIVE     | → ACTIVE    | -           | dual passive | (*)            |
 *
 * (*) With the peer expired: → ACTIVE, and serve (the failover). Otherwise: reject.
 *
 * A PASSIVE server that hears PEER_PRIMARY or PEER_BACKUP sees its peer restarting: it takes
 * over as ACTIVE, and the peer, hearing that, goes PASSIVE. So a restarted server always comes
 * back passive, whichever it is: recovery (making the primary active again) is manual.
 */
export function binaryStarStep(
  state: BinaryStarState,
  event: BinaryStarFsmEvent,
  peerExpired: boolean,
): BinaryStarStep {
  switch (state) {
    case "PRIMARY":
      // Waiting for the peer; a primary alone serves (the backup may never come).
      if (event === "PEER_BACKUP") return { kind: "ok", state: "ACTIVE" }
      if (event === "PEER_ACTIVE") return { kind: "ok", state: "PASSIVE" }
      if (event === "CLIENT_REQUEST") return { kind: "serve", state }
      return { kind: "ok", state }
    case "BACKUP":
      // Waiting for the peer; a backup alone never serves.
      if (event === "PEER_ACTIVE") return { kind: "ok", state: "PASSIVE" }
      if (event === "CLIENT_REQUEST") return { kind: "reject", state }
      return { kind: "ok", state }
    case "ACTIVE":
      if (event === "PEER_ACTIVE") return { kind: "fatal", state, reason: "split-brain" }
      if (event === "CLIENT_REQUEST") return { kind: "serve", state }
      return { kind: "ok", state }
    case "PASSIVE":
      if (event === "PEER_PRIMARY" || event === "PEER_BACKUP") {
        return { kind: "ok", state: "ACTIVE" }
      }
      if (event === "PEER_PASSIVE") return { kind: "fatal", state, reason: "dual-passive" }
      if (event === "CLIENT_REQUEST") {
        // The client's request is the vote: it came here because the active did not answer.
        return peerExpired ? { kind: "serve", state: "ACTIVE" } : { kind: "reject", state }
      }
      return { kind: "ok", state }
  }
}

/** On the wire a state is published as its number in decimal text, as the guide's servers do. */
const CODES: Record<BinaryStarState, string> = {
  PRIMARY: "1",
  BACKUP: "2",
  ACTIVE: "3",
  PASSIVE: "4",
}
const PEER_EVENTS: readonly BinaryStarFsmEvent[] = [
  "PEER_PRIMARY",
  "PEER_BACKUP",
  "PEER_ACTIVE",
  "PEER_PASSIVE",
]

/** The frame a server publishes in `state`. */
export function encodeState(state: BinaryStarState): string {
  return CODES[state]
}

/** The event a published frame is for the server hearing it, or null when it is not a state. */
export function decodePeerState(frame: Uint8Array): BinaryStarFsmEvent | null {
  // One ASCII digit, "1" (0x31) to "4".
  if (frame.byteLength !== 1) return null
  return PEER_EVENTS[frame[0]! - 0x31] ?? null
}
