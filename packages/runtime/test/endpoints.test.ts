import assert from "node:assert/strict"
import { it } from "node:test"
import { Pull, Push } from "omq"
import { forEachIoThreads } from "./helpers/interop.js"

// The endpoint forms a user writes: IPv6 literals, host names, wildcards; lastEndpoint reports
// the resolved address as libzmq's ZMQ_LAST_ENDPOINT does.
forEachIoThreads("tcp endpoint forms", (context) => {
  const cases: Array<[bind: string, reported: RegExp, connectHost: string]> = [
    ["tcp://[::1]:*", /^tcp:\/\/\[::1\]:\d+$/, "[::1]"],
    ["tcp://localhost:*", /^tcp:\/\/127\.0\.0\.1:\d+$/, "localhost"],
    ["tcp://*:*", /^tcp:\/\/0\.0\.0\.0:\d+$/, "127.0.0.1"],
  ]
  for (const [bind, reported, connectHost] of cases) {
    it(`binds ${bind} and is reached through ${connectHost}`, async () => {
      const pull = new Pull({ context, linger: 0 })
      await pull.bind(bind)
      assert.match(pull.lastEndpoint!, reported)
      const port = pull.lastEndpoint!.slice(pull.lastEndpoint!.lastIndexOf(":") + 1)
      const push = new Push({ context, linger: 0 })
      push.connect(`tcp://${connectHost}:${port}`)
      await push.send(["via", connectHost])
      assert.deepEqual((await pull.receive()).map(String), ["via", connectHost])
      push.close()
      pull.close()
    })
  }
})
