// Bundles the package in the working directory (run by its `build`, after tsc) into
// dist/bundle/: one ES module per public entry point, with the code they share in chunks.
// Node then reads a handful of files at import instead of ~200 (import("omq"): ~82 -> ~40 ms
// on the team's box, BENCHMARKS.md session 13). tsc's dist/src stays: its .d.ts files are the
// packages' types, the browser entry and the unit tests that import ../src use it.
//
//   node ../../scripts/bundle-package.mjs
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { classNamesKept } from "./class-names.mjs"

/** Per package: its entry points (output name -> source) and what stays a package import. */
const PACKAGES = {
  "@omq/transport": {
    entryPoints: { mod: "src/mod.ts", zmtp: "src/zmtp/mod.ts" },
    // tweetnacl is bundled in: as a CommonJS package import it cost ~10 ms of import("omq")
    // (Node's CJS loader and its export scan), inlined ~3 (BENCHMARKS.md session 14).
    external: ["ws", "libsodium-wrappers"],
    // tweetnacl seeds its PRNG from `self.crypto` or else `require("crypto")`, which an ES
    // module bundle cannot call: this points it at Web Crypto, on every runtime and in browsers.
    define: { self: "globalThis" },
  },
  omq: {
    entryPoints: {
      mod: "src/mod.ts",
      draft: "src/draft.ts",
      internal: "src/internal.ts",
      "io-worker": "src/io/io-worker.ts",
    },
    // Kept external so that every bundle shares one @omq/transport (ZmqError, instanceof).
    external: ["@omq/transport", "@omq/transport/*", "ws", "libsodium-wrappers"],
  },
}

const dir = process.cwd()
const { name } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
const config = PACKAGES[name]
if (!config) throw new Error(`bundle-package: no bundle configured for ${name}`)
const esbuild = createRequire(join(dir, "package.json"))("esbuild")

const outdir = join(dir, "dist/bundle")
rmSync(outdir, { recursive: true, force: true })
const result = await esbuild.build({
  absWorkingDir: dir,
  entryPoints: config.entryPoints,
  external: config.external,
  outdir,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  splitting: true,
  // Entries and chunks side by side: the IO worker's URL is the same from any of them.
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  // process/io-threads.ts reads it to find io-worker.js beside itself, not in ../io/.
  define: { OMQ_BUNDLED: "true", ...config.define },
  // Not keepNames: it wraps every function made at run time, per-connection closures too, in a
  // defineProperty call. Class names are mended instead (scripts/class-names.mjs).
  write: false,
  // No source maps: the packages ship none (checks/tests/packed.test.js).
  sourcemap: false,
  tsconfig: join(dir, "tsconfig.json"),
  logLevel: "warning",
})

mkdirSync(outdir, { recursive: true })
for (const file of result.outputFiles) {
  writeFileSync(file.path, classNamesKept(file.text, file.path))
}
