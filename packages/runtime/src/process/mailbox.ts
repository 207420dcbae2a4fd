import { BroadcastChannel, threadId } from "node:worker_threads"
import { ZmqError, type ZmqErrorCode } from "@omq/transport"

/**
 * A thread's mailbox in one context: the control plane between threads.
 *
 * It is a BroadcastChannel named for (context, thread), so any thread of the process reaches
 * any other by name alone; nothing has to be passed between them first, which is what lets a
 * worker's default context find the main thread's. Commands are one-way; calls are answered to
 * the caller's own mailbox, and a thrown ZmqError comes back as the same ZmqError.
 *
 * Owned by its thread. Each command name has one handler here (its `process_X`) and its callers
 * elsewhere (`send_X`); the handlers of a thread are registered by whoever owns that duty
 * (the context's thread side, the owner's registry, an IO host).
 *
 * The mailbox keeps its thread alive only while one of its calls waits for an answer (or the
 * owner holds it with ref()); otherwise it is unref'd, so an idle thread may exit.
 */
export class Mailbox {
  readonly #context: string
  readonly #channel: BroadcastChannel
  readonly #handlers = new Map<string, Handler>()
  readonly #calls = new Map<number, Waiting>()
  /** Threads known dead (thread ids are never reused): calls to them fail at once. */
  readonly #dead = new Set<number>()
  #nextCall = 1
  #holds = 0
  #closed = false

  constructor(context: string) {
    this.#context = context
    this.#channel = new BroadcastChannel(mailboxName(context, threadId))
    this.#channel.onmessage = (event) =>
      this.#receive((event as unknown as { data: Envelope }).data)
    this.#channel.unref()
  }

  /** Handles command `name` here; a call's answer is what the handler returns (or throws). */
  handle(name: string, handler: Handler): void {
    this.#handlers.set(name, handler)
  }

  /** Sends a one-way command to `thread`'s mailbox in this context. */
  send(thread: number, name: string, args: unknown): void {
    post(this.#context, thread, { name, args, from: threadId, call: 0 })
  }

  /** Calls `name` on `thread`; rejects with ETERM if that thread dies first (see threadDied). */
  call<T>(thread: number, name: string, args: unknown): Promise<T> {
    if (this.#closed) return Promise.reject(new ZmqError("ETERM", "context was terminated"))
    if (this.#dead.has(thread)) return Promise.reject(goneError(thread))
    const call = this.#nextCall++
    return new Promise<T>((resolve, reject) => {
      this.#calls.set(call, { thread, resolve: resolve as (value: unknown) => void, reject })
      this.ref()
      post(this.#context, thread, { name, args, from: threadId, call })
    })
  }

  /** Keeps the thread alive (an open socket, a call in flight) until the matching unref(). */
  ref(): void {
    if (this.#holds++ === 0) this.#channel.ref()
  }

  unref(): void {
    if (--this.#holds === 0) this.#channel.unref()
  }

  /** Calls waiting on a thread that died will never be answered: they fail now, and later ones at once. */
  threadDied(thread: number): void {
    this.#dead.add(thread)
    for (const [call, waiting] of this.#calls) {
      if (waiting.thread !== thread) continue
      this.#settle(call, { error: { code: "ETERM", message: goneError(thread).detail } })
    }
  }

  isDead(thread: number): boolean {
    return this.#dead.has(thread)
  }

  close(): void {
    this.#closed = true
    for (const call of [...this.#calls.keys()]) {
      this.#settle(call, { error: { code: "ETERM", message: "context was terminated" } })
    }
    this.#channel.close()
  }

  #receive(envelope: Envelope): void {
    if (envelope.name === ANSWER) {
      this.#settle(envelope.call, envelope.args as Answer)
      return
    }
    const handler = this.#handlers.get(envelope.name)
    const { from, call } = envelope
    if (call === 0) {
      if (handler) runHandler(handler, envelope).catch(warn(envelope.name))
      return
    }
    const reply = (answer: Answer): void =>
      post(this.#context, from, { name: ANSWER, args: answer, from: threadId, call })
    if (!handler) {
      reply({ error: { code: "ENOTSUP", message: `no handler for ${envelope.name}` } })
      return
    }
    runHandler(handler, envelope).then(
      (value) => reply({ value }),
      (err: unknown) => reply({ error: wireError(err) }),
    )
  }

  #settle(call: number, answer: Answer): void {
    const waiting = this.#calls.get(call)
    if (!waiting) return
    this.#calls.delete(call)
    this.unref()
    if (answer.error) {
      const { code, message, address } = answer.error
      waiting.reject(code === undefined ? new Error(message) : new ZmqError(code, message, address))
    } else {
      waiting.resolve(answer.value)
    }
  }
}

/** A command's handler: its arguments and the thread that sent it. */
export type Handler = (args: never, from: number) => unknown

interface Envelope {
  name: string
  args: unknown
  from: number
  /** 0 for a one-way command; else the caller's number for the answer. */
  call: number
}

interface Answer {
  value?: unknown
  error?: { code?: ZmqErrorCode; message: string; address?: string | undefined }
}

interface Waiting {
  thread: number
  resolve: (value: unknown) => void
  reject: (err: Error) => void
}

const ANSWER = "answer"

function goneError(thread: number): ZmqError {
  return new ZmqError("ETERM", `thread ${thread} is gone`)
}

export function mailboxName(context: string, thread: number): string {
  return `omq:${context}:thread:${thread}`
}

/**
 * Posts to a mailbox by name, over a channel opened for the rest of this event-loop turn: one per
 * destination and turn. (A channel per post was quadratic: Node drops a closed channel from its
 * name's group only at the next turn, so each post of a turn was also delivered to every channel
 * closed before it in that turn; 10,000 sockets closing at once took over 20 s.) Keeping one open
 * longer would queue, unread, every message others send to that mailbox.
 */
function post(context: string, thread: number, envelope: Envelope): void {
  const name = mailboxName(context, thread)
  let channel = postingThisTurn.get(name)
  if (!channel) {
    channel = new BroadcastChannel(name)
    if (postingThisTurn.size === 0) setImmediate(closePostingChannels)
    postingThisTurn.set(name, channel)
  }
  channel.postMessage(envelope)
}

const postingThisTurn = new Map<string, BroadcastChannel>()

function closePostingChannels(): void {
  for (const channel of postingThisTurn.values()) channel.close()
  postingThisTurn.clear()
}

async function runHandler(handler: Handler, envelope: Envelope): Promise<unknown> {
  return handler(envelope.args as never, envelope.from)
}

function wireError(err: unknown): NonNullable<Answer["error"]> {
  if (err instanceof ZmqError) return { code: err.code, message: err.detail, address: err.address }
  return { message: err instanceof Error ? err.message : String(err) }
}

function warn(name: string): (err: unknown) => void {
  return (err) => process.emitWarning(`omq: command ${name} failed: ${String(err)}`)
}
