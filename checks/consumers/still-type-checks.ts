// Misuse that omq's published types still accept. Each line type-checks today: once the types
// reject it, tsc fails on that line; then move it to misuse.ts, with the expect-error comment
// above it. Type-checked, never run, by checks/tests/packed.test.js.
import { workerData } from "node:worker_threads"
import type { Router } from "omq"
import { attachShared } from "omq/draft"

export async function stillAccepted(router: Router, frames: Buffer[]) {
  // EINVAL if `frames` holds a single frame: a ROUTER message is [routing id, ...body], and an
  // array's length is not in its type. Rejecting arrays of unknown length would break code
  // written for zeromq.js (`router.send([id, ...body])`), whose ROUTER takes any message.
  await router.send(frames)
  // ENOTSUP if the handle is a DISH's: a handle that crossed threads untyped (workerData is
  // `any`) attaches with every call; `attachShared<Dish>(handle)` gives the DISH's calls only.
  const attached = await attachShared(workerData.handle)
  await attached.send("x")
}
