// An app using omq, bundled with esbuild, runs: as one file with `ioThreads: 0`, and with IO
// threads when omq's IO worker entry is bundled too and put where omq looks for it (io-worker.js
// beside the app's bundle). A bundle of the app alone with IO threads fails, as
// docs/runtimes.md says.
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { build } from "esbuild"

const run = promisify(execFile)
const app = fileURLToPath(new URL("../bundle/app.js", import.meta.url))
// omq's IO worker entry: not an export of the package, so found beside its main module.
const ioWorker = join(dirname(createRequire(import.meta.url).resolve("omq")), "io-worker.js")
const out = mkdtempSync(join(tmpdir(), "omq-bundle-"))
after(() => rmSync(out, { recursive: true, force: true }))

// omq's CommonJS dependencies (ws, tweetnacl) require() Node's modules: an ES module bundle
// needs a require, esbuild's usual banner.
const banner = {
  js: 'import { createRequire as bundleRequire } from "node:module"; const require = bundleRequire(import.meta.url);',
}
const bundle = (entry, outfile) =>
  build({ entryPoints: [entry], outfile, bundle: true, platform: "node", format: "esm", banner })

describe("esbuild bundle", () => {
  it("one file with ioThreads: 0 runs", async () => {
    await bundle(app, join(out, "one", "app.mjs"))
    const { stdout } = await run(process.execPath, [join(out, "one", "app.mjs"), "0"])
    assert.equal(stdout, "bundled app\n")
  })

  it("with IO threads: runs once io-worker.js is bundled beside the app", async () => {
    await bundle(app, join(out, "two", "app.mjs"))
    await bundle(ioWorker, join(out, "two", "io-worker.js"))
    const { stdout } = await run(process.execPath, [join(out, "two", "app.mjs"), "1"])
    assert.equal(stdout, "bundled app\n")
  })

  it("with IO threads and no worker entry: fails, naming the missing worker file", async () => {
    await bundle(app, join(out, "three", "app.mjs"))
    await assert.rejects(run(process.execPath, [join(out, "three", "app.mjs"), "1"]), (e) => {
      assert.match(e.stderr, /io-worker\.js/)
      return true
    })
  })
})
