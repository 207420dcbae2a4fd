// The two sides of a throughput run, PUSH → PULL: the sender sends --size messages as fast as
// send() takes them, the receiver counts them. Each side times itself; the receiver's figure
// is the one that says what got through.
import type { ReceivingSocket, SendingSocket } from "./library.js"
import { endMessage, type Plan, readControl, startMessage } from "./protocol.js"
import type { RunMeter } from "./run-meter.js"

/** One side's figures. `messages` were sent (sender) or received (receiver). */
export interface ThroughputFigures {
  messages: number
  bytes: number
  seconds: number
  msgsPerSec: number
  mbPerSec: number
}

export interface ReceiverFigures extends ThroughputFigures {
  /** The count the sender's end message gave; null if it sent none (libzmq's remote_thr). */
  sentBySender: number | null
}

export function figures(messages: number, bytes: number, seconds: number): ThroughputFigures {
  return {
    messages,
    bytes,
    seconds,
    msgsPerSec: messages / seconds,
    mbPerSec: bytes / seconds / 1e6,
  }
}

/**
 * Sends `plan.count` messages, or for `plan.durationMs`, between a start and an end message,
 * after `plan.warmup` messages that neither side's clock counts.
 */
export async function sendMessages(
  socket: SendingSocket,
  plan: Plan,
  meter: RunMeter,
): Promise<ThroughputFigures> {
  await socket.send(startMessage(plan))
  const payload = Buffer.alloc(plan.size, "o")
  for (let i = 0; i < plan.warmup; i++) await socket.send(payload)
  const limit = plan.count ?? Number.POSITIVE_INFINITY
  const { mask } = meter
  meter.start()
  let sent = 0
  while (sent < limit) {
    await socket.send(payload)
    sent++
    if ((sent & mask) === 0 && meter.check(sent)) break
  }
  const seconds = meter.finish(sent)
  await socket.send(endMessage(sent))
  return figures(sent, sent * plan.size, seconds)
}

/**
 * Receives until the sender's end message, or `stopAfter` messages when given. The meter is
 * made once the plan is known (from the start message; null when the sender sends none).
 */
export async function receiveMessages(
  socket: ReceivingSocket,
  meterFor: (plan: Plan | null) => RunMeter,
  stopAfter: number | null,
): Promise<ReceiverFigures> {
  const first = await socket.receive()
  const control = readControl(first)
  const plan = control?.kind === "start" ? control.plan : null
  const meter = meterFor(plan)
  const { mask } = meter
  for (let i = 0; i < (plan?.warmup ?? 0); i++) await socket.receive()
  meter.start()
  // A sender without a start message: its first message is a measured one.
  let received = control ? 0 : 1
  let bytes = control ? 0 : first[0]!.length
  let sentBySender: number | null = null
  const limit = stopAfter ?? Number.POSITIVE_INFINITY
  while (received < limit) {
    const frames = await socket.receive()
    if (frames.length === 1) {
      received++
      bytes += frames[0]!.length
      if ((received & mask) === 0) meter.check(received)
      continue
    }
    const end = readControl(frames)
    if (end?.kind === "end") {
      sentBySender = end.count
      break
    }
  }
  const seconds = meter.finish(received)
  return { ...figures(received, bytes, seconds), sentBySender }
}
