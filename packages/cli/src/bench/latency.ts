// The two sides of a latency run: the client times round trips of one --size message at a
// time (REQ, or DEALER), the server echoes each message back as it came (REP, or ROUTER).
import type { EchoSocket, TwoWaySocket } from "./library.js"
import { endMessage, type Plan, readControl, startMessage } from "./protocol.js"
import type { RunMeter } from "./run-meter.js"
import { type LatencyPercentiles, percentiles } from "./stats.js"

export interface LatencyFigures {
  roundTrips: number
  seconds: number
  /** Round trips per second, one at a time. */
  msgsPerSec: number
  latencyUs: LatencyPercentiles
}

/** The client's figures, with the samples (µs, ascending) for the chart. */
export interface ClientResult {
  figures: LatencyFigures
  samples: Float64Array
}

/** The empty delimiter a DEALER puts where a REQ would, so that a REP can answer it. */
const DELIMITER = Buffer.alloc(0)

/**
 * Makes `plan.warmup` round trips, then times `plan.count` (or as many as `plan.durationMs`
 * allows), between a start and an end message that the server echoes too.
 */
export async function measureRoundTrips(
  socket: TwoWaySocket,
  dealer: boolean,
  plan: Plan,
  meter: RunMeter,
): Promise<ClientResult> {
  const envelope = (frames: Buffer[]) => (dealer ? [DELIMITER, ...frames] : frames)
  // The start's round trip also waits out the connection.
  await socket.send(envelope(startMessage(plan)))
  await socket.receive()
  const payload = Buffer.alloc(plan.size, "o")
  const message = dealer ? [DELIMITER, payload] : payload
  for (let i = 0; i < plan.warmup; i++) {
    await socket.send(message)
    await socket.receive()
  }
  let samples: Float64Array = new Float64Array(plan.count ?? 4096)
  const limit = plan.count ?? Number.POSITIVE_INFINITY
  const { mask } = meter
  meter.start()
  let trips = 0
  while (trips < limit) {
    const t0 = performance.now()
    await socket.send(message)
    await socket.receive()
    const us = (performance.now() - t0) * 1000
    if (trips === samples.length) samples = grow(samples)
    samples[trips++] = us
    if ((trips & mask) === 0 && meter.check(trips)) break
  }
  const seconds = meter.finish(trips)
  await socket.send(envelope(endMessage(trips)))
  await socket.receive()
  const sorted = samples.slice(0, trips).sort()
  return {
    figures: {
      roundTrips: trips,
      seconds,
      msgsPerSec: trips / seconds,
      latencyUs: percentiles(sorted),
    },
    samples: sorted,
  }
}

function grow(samples: Float64Array): Float64Array {
  const bigger = new Float64Array(samples.length * 2)
  bigger.set(samples)
  return bigger
}

export interface ServerFigures {
  /** Measured round trips echoed: all echoed messages but the warm-up. */
  roundTrips: number
  /** The count the client's end message gave. */
  reportedByClient: number
  seconds: number
}

/**
 * Echoes every message until the client's end message. The meter (for the progress bar) is
 * made when the start message tells the plan; its clock starts there.
 */
export async function echoRoundTrips(
  socket: EchoSocket,
  meterFor: (plan: Plan) => RunMeter,
): Promise<ServerFigures> {
  let meter: RunMeter | null = null
  let warmup = 0
  let echoed = 0
  for (;;) {
    const frames = await socket.receive()
    await socket.send(frames)
    const control = frames.length >= 2 ? readControl(frames) : null
    if (control === null) {
      echoed++
      if (meter && echoed > warmup && ((echoed - warmup) & meter.mask) === 0)
        meter.check(echoed - warmup)
    } else if (control.kind === "start") {
      warmup = control.plan.warmup
      meter = meterFor(control.plan)
      meter.start()
    } else {
      const roundTrips = echoed - warmup
      const seconds = meter?.finish(roundTrips) ?? 0
      return { roundTrips, reportedByClient: control.count, seconds }
    }
  }
}
