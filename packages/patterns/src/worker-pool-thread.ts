// The entry file of each pool thread (piscina loads it; nothing else should). It loads the
// user's handler module once, then answers each task: a packed request in, a packed reply out,
// each buffer moved rather than copied (see worker-pool-frames.ts).
import type { Message } from "omq"
import { move, workerData } from "piscina"
import { pack, replyFrames, unpack } from "./worker-pool-frames.js"

/** What the pool hands each thread at start (piscina's `workerData`). */
export interface PoolThreadData {
  /** The handler module, as a file URL. */
  handler: string
  /** Which of its exports answers requests. */
  name: string
}

type Handler = (request: Buffer[]) => Message | Promise<Message>

let loading: Promise<Handler> | undefined

/**
 * Loaded on the first task, not at thread start, so a missing module or export rejects that
 * task with a message saying so (at start it would only kill the thread).
 */
function handler(): Promise<Handler> {
  const { handler: url, name } = workerData as PoolThreadData
  loading ??= import(url).then((module: Record<string, unknown>) => {
    const found = module[name]
    if (typeof found !== "function") {
      throw new TypeError(`${url} has no function export named ${JSON.stringify(name)}`)
    }
    return found as Handler
  })
  return loading
}

export default async function answer(request: ArrayBuffer): Promise<unknown> {
  const reply = await (await handler())(unpack(request))
  return move(pack(replyFrames(reply)))
}
