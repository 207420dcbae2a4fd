// Misuse that omq's published types still accept. Each line type-checks today: once the types
// reject it, tsc fails on that line; then move it to misuse.ts, with the expect-error comment
// above it. Type-checked, never run, by checks/tests/packed.test.js.
import type { Pull, Router } from "omq"
import { attachShared, type Dish } from "omq/draft"

export async function stillAccepted(router: Router, dish: Dish, pull: Pull) {
  // EINVAL: a ROUTER message is [routing id, ...body]. Typed as any message, as zeromq.js does:
  // `[id, ...frames]` built from arrays has no length the types could check.
  await router.send("only a body")
  // ENOTSUP: a socket attached from another thread (ThreadSocket) offers send() and receive()
  // whatever the type of the socket it attaches to; its handle does not say that type.
  const attached = await attachShared(dish.share())
  await attached.send("x")
  await pull.bind("tcp://127.0.0.1:*")
  pull.lastEndpoint = "tcp://elsewhere:1" // a plain field, read-only in zeromq.js
}
