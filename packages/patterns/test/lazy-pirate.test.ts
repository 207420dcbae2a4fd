// The Lazy Pirate client against a real server (a ROUTER, so it can leave requests unanswered)
// that drops requests on purpose. Timeouts
// happen when the test fires the injected clock, right after the server has seen the request,
// so nothing sleeps and nothing depends on the machine's speed.
import { strict as assert } from "node:assert"
import { afterEach, beforeEach, describe, it } from "node:test"
import { Router, ZmqError } from "omq"
import { LazyPirateClient, type LazyPirateEvent } from "../src/mod.js"
import { EventLog } from "./event-log.js"
import { ManualClock } from "./manual-clock.js"

describe("LazyPirateClient", () => {
  let server: Router
  let client: LazyPirateClient | null = null
  const log = new EventLog<LazyPirateEvent>("omq:patterns:lazy-pirate")
  const events = log.events
  beforeEach(async () => {
    server = new Router({ linger: 0 })
    await server.bind("tcp://127.0.0.1:*")
    log.start()
  })
  afterEach(() => {
    log.stop()
    client?.close()
    server.close()
  })

  /** A request's body as the ROUTER sees it: [routing id, empty delimiter, body]. */
  async function nextRequest(): Promise<{ id: Buffer; body: string }> {
    const [id, , body] = await server.receive()
    return { id: id!, body: String(body) }
  }

  /** Leaves `drops` requests unanswered (each attempt then times out), then answers. */
  async function serveAfterDropping(drops: number, clock: ManualClock): Promise<string[]> {
    const seen: string[] = []
    for (let i = 0; i < drops; i++) {
      seen.push((await nextRequest()).body)
      await clock.untilArmed()
      clock.fireAll()
    }
    const { id, body } = await nextRequest()
    seen.push(body)
    await server.send([id, "", `reply to ${body}`])
    return seen
  }

  it("a server that answers: one attempt, the reply", async () => {
    const clock = new ManualClock()
    client = new LazyPirateClient(server.lastEndpoint!, { clock })
    const [reply, seen] = await Promise.all([client.request("hello"), serveAfterDropping(0, clock)])
    assert.deepEqual(reply.map(String), ["reply to hello"])
    assert.deepEqual(seen, ["hello"])
    assert.deepEqual(events, [])
    assert.equal(clock.pending, 0, "the reply cleared its timer")
  })

  it("requests dropped twice: sent again on fresh sockets, answered on the third attempt", async () => {
    const clock = new ManualClock()
    client = new LazyPirateClient(server.lastEndpoint!, { clock, retries: 3 })
    const [reply, seen] = await Promise.all([client.request("job"), serveAfterDropping(2, clock)])
    assert.deepEqual(reply.map(String), ["reply to job"])
    assert.deepEqual(seen, ["job", "job", "job"])
    assert.deepEqual(
      events.map((e) => e.type === "retry" && e.attempt),
      [1, 2],
    )
  })

  it("no answer after the last retry: EAGAIN, having tried retries + 1 times", async () => {
    const clock = new ManualClock()
    const endpoint = server.lastEndpoint!
    client = new LazyPirateClient(endpoint, { clock, retries: 1 })
    const seen: string[] = []
    const serving = (async () => {
      for (let i = 0; i < 2; i++) {
        seen.push((await nextRequest()).body)
        await clock.untilArmed()
        clock.fireAll()
      }
    })()
    await assert.rejects(
      client.request("anyone?"),
      (err: unknown) => err instanceof ZmqError && err.code === "EAGAIN",
    )
    await serving
    assert.deepEqual(seen, ["anyone?", "anyone?"])
    assert.deepEqual(events.at(-1), { type: "abandon", endpoint, attempts: 2 })
  })

  it("an aborted request rejects with the signal's reason, and the next request is served", async () => {
    const clock = new ManualClock()
    client = new LazyPirateClient(server.lastEndpoint!, { clock })
    const controller = new AbortController()
    const request = client.request("slow", { signal: controller.signal })
    const slow = await nextRequest()
    assert.equal(slow.body, "slow")
    controller.abort(new Error("user gave up"))
    await assert.rejects(request, /user gave up/)
    // A late reply to the abandoned request goes to the socket that was dropped with it.
    await server.send([slow.id, "", "too late"])
    const [reply, seen] = await Promise.all([client.request("next"), serveAfterDropping(0, clock)])
    assert.deepEqual(reply.map(String), ["reply to next"])
    assert.deepEqual(seen, ["next"])
  })

  it("bad options: EINVAL (the constructor throws, a request rejects); a closed client rejects with EBADF", async () => {
    const endpoint = server.lastEndpoint!
    const einval = (err: unknown) => err instanceof ZmqError && err.code === "EINVAL"
    assert.throws(() => new LazyPirateClient(endpoint, { timeout: 0 }), einval)
    assert.throws(() => new LazyPirateClient(endpoint, { retries: -1 }), einval)
    client = new LazyPirateClient(endpoint)
    await assert.rejects(client.request("x", { retries: 1.5 }), einval)
    client.close()
    await assert.rejects(
      client.request("x"),
      (err: unknown) => err instanceof ZmqError && err.code === "EBADF",
    )
  })
})
