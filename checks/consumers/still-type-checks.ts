// Misuse that omq's published types still accept. Each line type-checks today: once the types
// reject it, tsc fails on that line; then move it to misuse.ts, with the expect-error comment
// above it. Type-checked, never run, by checks/tests/packed.test.js.
import type { Router } from "omq"
import { attachShared, type Dish } from "omq/draft"

export async function stillAccepted(router: Router, dish: Dish) {
  // EINVAL: a ROUTER message is [routing id, ...body]. Typed as any message, as zeromq.js does:
  // `[id, ...frames]` built from arrays has no length the types could check.
  await router.send("only a body")
  // ENOTSUP: a socket attached from another thread (ThreadSocket) offers send() and receive()
  // whatever the type of the socket it attaches to; its handle does not say that type.
  const attached = await attachShared(dish.share())
  await attached.send("x")
}
