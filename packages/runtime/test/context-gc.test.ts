// A Context the program dropped is collected once its sockets are closed (zeromq.js's "should
// release reference to context"), and its IO threads stop then: nothing is left running.
import { strict as assert } from "node:assert"
import { it } from "node:test"
import { run } from "./helpers/child.js"

it("a dropped Context is collected after its sockets close, and its IO threads stop", {
  timeout: 30_000,
}, async () => {
  const outcome = await run("context-gc", [], 15_000, ["--expose-gc"]).exit()
  assert.equal(outcome.code, 0, `exit code ${outcome.code}; stderr: ${outcome.stderr}`)
  assert.match(outcome.stdout, /^tcp collected$/m)
  assert.match(outcome.stdout, /^ipc collected$/m)
  assert.match(outcome.stdout, /^inproc collected$/m)
  assert.match(outcome.stdout, /^pinned kept$/m)
  // tcp and ipc each started one (the pinned context's, if any, stopped at terminate()).
  assert.match(outcome.stdout, /^io threads ([2-9]|\d\d+) gone$/m)
})
