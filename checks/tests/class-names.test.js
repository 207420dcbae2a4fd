// scripts/class-names.mjs mends the class names esbuild renames (`var X = class _X`) in the
// packages' bundles (scripts/bundle-package.mjs). It must rename only the class's own binding:
// esbuild gives the same `_X` to an unrelated local elsewhere in the chunk, and strings and
// property names may spell it too.
import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { pathToFileURL } from "node:url"
import { build } from "esbuild"
import { classNamesKept } from "../../scripts/class-names.mjs"

const dir = mkdtempSync(join(tmpdir(), "omq-class-names-"))
after(() => rmSync(dir, { recursive: true, force: true }))

const sources = {
  "foo.js": `export class Foo {
  static make() { return new Foo() }
  says() { return "_Foo" }
}`,
  "other.js": `import { Foo } from "./foo.js"
export function other() {
  const _Foo = 3
  return [_Foo, new Foo()]
}
export const keyed = { _Foo: 1 }
export const read = (x) => x._Foo
export const text = "_Foo, obj._Foo"`,
  "entry.js": `export * from "./foo.js"
export * from "./other.js"`,
}

/** Bundles the sources as bundle-package.mjs does, mends the names and imports the result. */
async function mended() {
  for (const [name, text] of Object.entries(sources)) writeFileSync(join(dir, name), text)
  const result = await build({
    entryPoints: [join(dir, "entry.js")],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    write: false,
    logLevel: "silent",
  })
  const raw = result.outputFiles[0].text
  assert.match(raw, /var Foo = class _Foo/, "esbuild no longer renames the class: test is moot")
  assert.match(raw, /const _Foo = 3/, "esbuild no longer reuses _Foo for the local")
  const out = join(dir, "out.mjs")
  writeFileSync(out, classNamesKept(raw))
  return import(pathToFileURL(out).href)
}

describe("class names mended after esbuild", () => {
  it("rename the class's own binding only, not a local, a property or a string spelled alike", async () => {
    const m = await mended()
    assert.equal(m.Foo.name, "Foo")
    assert.ok(m.Foo.make() instanceof m.Foo)
    assert.equal(m.Foo.make().says(), "_Foo")
    const [three, foo] = m.other()
    assert.equal(three, 3)
    assert.ok(foo instanceof m.Foo)
    assert.deepEqual(m.keyed, { _Foo: 1 })
    assert.equal(m.read({ _Foo: 2 }), 2)
    assert.equal(m.text, "_Foo, obj._Foo")
  })
})

describe("class names that cannot be mended safely", () => {
  it("fail the build: a nested binding of the same name inside the class", () => {
    const text = "var Foo = class _Foo {\n  m() {\n    const _Foo = 1;\n    return _Foo;\n  }\n};\n"
    assert.throws(() => classNamesKept(text), /_Foo is declared inside class Foo/)
  })
})
