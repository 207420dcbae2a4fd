// What two `omq bench` sides say to each other besides the measured messages.
//
// Measured messages are one frame of --size bytes. Control messages have two frames, a tag and
// a value, so a data message of any size can never be taken for one:
//
//   start:  ["omq-bench:start", JSON of Plan]   first, before any measured message
//   end:    ["omq-bench:end",   "<count>"]       last: how many measured messages were sent
//
// Over REQ/REP and DEALER/ROUTER the echo side sends every message back as it came, control
// messages included, and stops after echoing "end". A receiver that gets data with no start
// (libzmq's remote_thr) starts its clock at the first message and stops after --count.

const START = "omq-bench:start"
const END = "omq-bench:end"

/** What the measuring side tells the other at the start. */
export interface Plan {
  mode: "thr" | "lat"
  size: number
  count: number | null
  durationMs: number | null
  /** Messages (thr) or round trips (lat) before the measured ones, which no clock counts. */
  warmup: number
}

export type Control = { kind: "start"; plan: Plan } | { kind: "end"; count: number }

export const startMessage = (plan: Plan): Buffer[] => [
  Buffer.from(START),
  Buffer.from(JSON.stringify(plan)),
]

export const endMessage = (count: number): Buffer[] => [
  Buffer.from(END),
  Buffer.from(String(count)),
]

/**
 * The control message in `frames`, or null for a measured message. Skips what routing put in
 * front: a ROUTER's peer id and a REQ's empty delimiter.
 */
export function readControl(frames: Buffer[]): Control | null {
  if (frames.length < 2) return null
  const value = frames[frames.length - 1]!.toString()
  const tag = frames[frames.length - 2]!
  if (tag.length === START.length && tag.toString() === START)
    return { kind: "start", plan: JSON.parse(value) as Plan }
  if (tag.length === END.length && tag.toString() === END)
    return { kind: "end", count: Number(value) }
  return null
}
