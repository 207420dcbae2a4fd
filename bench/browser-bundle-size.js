// The size of omq/browser in a web page: esbuild bundles small pages that import it (one
// DEALER over NULL; the same with CURVE; every socket type) and prints each bundle's size
// minified and gzipped, and what the NULL page's bytes are made of.
//
//   node bench/browser-bundle-size.js        (build first: npx tsc -p packages/runtime/tsconfig.json)
//
// @omq/transport declares `"sideEffects": false`: without it esbuild kept the CommonJS
// tweetnacl that the pure core's CURVE files import even on a page without CURVE (20.4 KiB
// gzipped for the NULL page instead of 8.5).
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

// esbuild is a dev dependency of omq (packages/runtime), not of the benchmarks.
const require = createRequire(new URL("../packages/runtime/package.json", import.meta.url))
const esbuild = require("esbuild")
const here = fileURLToPath(new URL(".", import.meta.url))

const PAGES = {
  "DEALER, NULL": `import { Dealer } from "omq/browser"
    const dealer = new Dealer({ routingId: "page" })
    dealer.connect("ws://127.0.0.1:5555")
    await dealer.send("hello")
    console.log(await dealer.receive())`,
  "DEALER, CURVE": `import { curveClient, curveKeyPair, Dealer } from "omq/browser"
    const dealer = new Dealer({ security: curveClient({ serverKey: "x".repeat(40), ...curveKeyPair() }) })
    dealer.connect("wss://example.org/zmq")
    await dealer.send("hello")
    console.log(await dealer.receive())`,
  "every socket type, PLAIN, CURVE": `import * as omq from "omq/browser"
    globalThis.omq = omq`,
}

async function bundle(source) {
  const result = await esbuild.build({
    stdin: { contents: source, resolveDir: here, sourcefile: "page.js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    // Loaded lazily by the core to speed CURVE up; a page without it uses tweetnacl.
    external: ["libsodium-wrappers"],
    write: false,
    metafile: true,
    logLevel: "silent",
  })
  const code = result.outputFiles[0].contents
  const inputs = Object.values(result.metafile.outputs)[0].inputs
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength, inputs }
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`
const rows = []
let nullPage
for (const [page, source] of Object.entries(PAGES)) {
  const size = await bundle(source)
  if (page === "DEALER, NULL") nullPage = size
  rows.push([page, kib(size.minified), kib(size.gzipped)])
}

console.log("| page | minified | gzipped |")
console.log("| --- | ---: | ---: |")
for (const row of rows) console.log(`| ${row.join(" | ")} |`)

// What the NULL page is made of (minified bytes each part contributes, before gzip).
const parts = { "omq/browser": 0, "@omq/transport (pure core)": 0, tweetnacl: 0, other: 0 }
for (const [path, { bytesInOutput }] of Object.entries(nullPage.inputs)) {
  const part = path.includes("tweetnacl")
    ? "tweetnacl"
    : path.includes("transport/dist")
      ? "@omq/transport (pure core)"
      : path.includes("runtime/dist")
        ? "omq/browser"
        : "other"
  parts[part] += bytesInOutput
}
console.log("\nDEALER, NULL, by origin (minified, before gzip):")
for (const [part, bytes] of Object.entries(parts)) console.log(`  ${part}: ${kib(bytes)}`)
