// The packages ship as esbuild bundles (scripts/bundle-package.mjs), which rename a class that
// refers to itself (`var X = class _X`) unless mended: names seen in errors and inspect() must
// be the source's.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { inspect } from "node:util"
import * as transport from "@omq/transport"
import * as omq from "omq"
import * as draft from "omq/draft"

const exported = (module: Record<string, unknown>) =>
  Object.entries(module).filter(([, value]) => typeof value === "function") as [
    string,
    { name: string },
  ][]

describe("bundled packages", () => {
  it("keep every exported function's and class's own name", () => {
    const all = [...exported(omq), ...exported(draft), ...exported(transport)]
    assert.ok(all.length > 40, `only ${all.length} exports found`)
    for (const [key, value] of all) assert.doesNotMatch(value.name, /^_/, `${key} is ${value.name}`)
    const names = [omq.Context, omq.Push, omq.Authenticator, omq.Poller, omq.Proxy].map(
      (c) => c.name,
    )
    assert.deepEqual(names, ["Context", "Push", "Authenticator", "Poller", "Proxy"])
    assert.equal(transport.ZmqError.name, "ZmqError")
  })

  it("name ZmqError in an error's stack header and Context in inspect()", () => {
    const error = new transport.ZmqError("EINVAL", "bad")
    assert.match(String(error.stack), /^ZmqError: /)
    assert.match(inspect(new omq.Context({ ioThreads: 0 })), /^Context /)
  })
})
