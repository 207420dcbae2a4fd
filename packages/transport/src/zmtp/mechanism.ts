import type { Command } from "./command.js"
import type { Metadata } from "./metadata.js"

/** What the engine must do after a mechanism step. */
export interface MechanismStep {
  /** Whole frames to write, in order. */
  send: Uint8Array[]
  /** Set once the handshake is complete: the peer's READY properties. */
  peer?: Metadata
}

/** A security handshake (NULL, PLAIN, CURVE), driven by the engine with command frames. */
export interface Mechanism {
  readonly name: string
  start(): MechanismStep
  onCommand(command: Command): MechanismStep
}
