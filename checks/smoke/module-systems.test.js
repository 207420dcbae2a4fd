// require() and import give the same modules: one copy of omq's state per process, on every
// runtime the smoke suite runs (Node ≥ 20.19 loads omq's ES modules for require()).
import assert from "node:assert/strict"
import { createRequire } from "node:module"
import { it } from "node:test"

const require = createRequire(import.meta.url)

for (const [specifier, name] of [
  ["omq", "Context"],
  ["omq", "Push"],
  ["omq/draft", "Server"],
  ["@omq/patterns", "LazyPirateClient"],
]) {
  it(`require("${specifier}").${name} is import("${specifier}").${name}`, async () => {
    const required = require(specifier)[name]
    assert.equal(typeof required, "function")
    assert.equal(required, (await import(specifier))[name])
  })
}

it("a socket made through require() talks to one made through import, in one context", async () => {
  const cjs = require("omq")
  const esm = await import("omq")
  assert.equal(cjs.context, esm.context)
  const pull = new cjs.Pull({ linger: 0 })
  const push = new esm.Push({ linger: 0 })
  try {
    await pull.bind("inproc://module-systems")
    push.connect("inproc://module-systems") // inproc names live in the one default context
    await push.send("across module systems")
    assert.equal(String((await pull.receive())[0]), "across module systems")
  } finally {
    pull.close()
    push.close()
  }
})
