// Candidate crypto libraries for the CURVE mechanism (Issue 9), with tinybench:
//   node bench/curve-crypto.js [--time 500]
// For each of @noble/curves + @noble/ciphers, tweetnacl and libsodium-wrappers it measures
// what CURVE does: a key pair (once per connection, the short-term key), beforenm (the shared
// key, once per connection) and secretbox seal+open with that precomputed key (once per
// message). It also prints how long each library takes to load and whether it must be awaited.
// Needs no build: it imports the candidates only (they are bench devDependencies).
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { Bench } from "tinybench"

const timeArg = process.argv.indexOf("--time")
const time = timeArg > 0 ? Number(process.argv[timeArg + 1]) : 500

async function timed(load) {
  const start = performance.now()
  const lib = await load()
  return { lib, loadMs: performance.now() - start }
}

// --- @noble: x25519 then HSalsa20 over a zero nonce is NaCl's crypto_box_beforenm ---
const noble = await timed(async () => {
  const { x25519 } = await import("@noble/curves/ed25519.js")
  const { hsalsa, xsalsa20poly1305 } = await import("@noble/ciphers/salsa.js")
  const sigma = new Uint32Array(new TextEncoder().encode("expand 32-byte k").buffer)
  const zero = new Uint32Array(4)
  return {
    keyPair: () => x25519.keygen(),
    before(pk, sk) {
      const shared = new Uint32Array(x25519.getSharedSecret(sk, pk).slice().buffer)
      const out = new Uint32Array(8)
      hsalsa(sigma, shared, zero, out)
      return new Uint8Array(out.buffer)
    },
    seal: (k, n, m) => xsalsa20poly1305(k, n).encrypt(m),
    open: (k, n, c) => xsalsa20poly1305(k, n).decrypt(c),
  }
})

const tweet = await timed(async () => {
  const { default: nacl } = await import("tweetnacl")
  return {
    keyPair: () => nacl.box.keyPair(),
    before: (pk, sk) => nacl.box.before(pk, sk),
    seal: (k, n, m) => nacl.secretbox(m, n, k),
    open: (k, n, c) => nacl.secretbox.open(c, n, k),
  }
})

// libsodium compiles to WebAssembly: nothing works until `sodium.ready` resolves.
const sodium = await timed(async () => {
  const { default: s } = await import("libsodium-wrappers")
  await s.ready
  return {
    keyPair: () => s.crypto_box_keypair(),
    before: (pk, sk) => s.crypto_box_beforenm(pk, sk),
    seal: (k, n, m) => s.crypto_box_easy_afternm(m, n, k),
    open: (k, n, c) => s.crypto_box_open_easy_afternm(c, n, k),
  }
})

const candidates = [
  { name: "@noble/curves + @noble/ciphers", pkgs: ["@noble/curves", "@noble/ciphers"], ...noble },
  { name: "tweetnacl", pkgs: ["tweetnacl"], ...tweet },
  { name: "libsodium-wrappers", pkgs: ["libsodium-wrappers"], ...sodium },
]

// Same inputs for everyone, and a cross-check that all three agree byte for byte.
const alice = tweet.lib.keyPair()
const bob = tweet.lib.keyPair()
const nonce = new Uint8Array(24).fill(9)
const small = new Uint8Array(64).fill(1)
const kib = new Uint8Array(1024).fill(2)
const reference = tweet.lib.seal(tweet.lib.before(bob.publicKey, alice.secretKey), nonce, kib)
for (const c of candidates) {
  const key = c.lib.before(bob.publicKey, alice.secretKey)
  const boxed = c.lib.seal(key, nonce, kib)
  if (Buffer.compare(Buffer.from(boxed), Buffer.from(reference)) !== 0) {
    throw new Error(`${c.name} does not match NaCl's crypto_box`)
  }
  if (Buffer.compare(Buffer.from(c.lib.open(key, nonce, boxed)), Buffer.from(kib)) !== 0) {
    throw new Error(`${c.name} does not open its own box`)
  }
}

const bench = new Bench({ time })
for (const c of candidates) {
  const { lib } = c
  const key = lib.before(bob.publicKey, alice.secretKey)
  const sealOpen = (m) => () => lib.open(key, nonce, lib.seal(key, nonce, m))
  bench
    .add(`${c.name}|key pair`, () => lib.keyPair())
    .add(`${c.name}|beforenm`, () => lib.before(bob.publicKey, alice.secretKey))
    .add(`${c.name}|seal+open 64 B`, sealOpen(small))
    .add(`${c.name}|seal+open 1 KiB`, sealOpen(kib))
}
await bench.run()

const bytesOf = { "seal+open 64 B": 64, "seal+open 1 KiB": 1024 }
const rows = bench.tasks.map((task) => {
  const [library, op] = task.name.split("|")
  const opsPerSec = task.result.throughput.p50 ?? task.result.throughput.mean
  const bytes = bytesOf[op]
  return {
    library,
    op,
    "ops/s": Math.round(opsPerSec),
    "MB/s": bytes ? Number(((opsPerSec * bytes) / 1e6).toFixed(1)) : "",
  }
})
console.table(rows)

// Installed size on disk, the package and its own dependencies (pnpm's store links).
const require = createRequire(join(import.meta.dirname, "package.json"))
// Not require.resolve(`${name}/package.json`): @noble's "exports" does not list it.
function packageDir(name, from) {
  for (const dir of createRequire(from).resolve.paths(name) ?? []) {
    if (existsSync(join(dir, name, "package.json"))) return realpathSync(join(dir, name))
  }
  throw new Error(`cannot find ${name} from ${from}`)
}
function sizeOf(dir) {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += sizeOf(path)
    else if (entry.isFile()) total += statSync(path).size
  }
  return total
}
function withDeps(name, from, seen) {
  const dir = packageDir(name, from)
  if (seen.has(dir)) return 0
  seen.add(dir)
  const manifest = require(join(dir, "package.json"))
  let total = sizeOf(dir)
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    total += withDeps(dep, join(dir, "package.json"), seen)
  }
  return total
}
const benchManifest = join(import.meta.dirname, "package.json")
console.table(
  candidates.map((c) => {
    const seen = new Set()
    const bytes = c.pkgs.reduce((sum, p) => sum + withDeps(p, benchManifest, seen), 0)
    return {
      library: c.name,
      "installed KiB": Math.round(bytes / 1024),
      "load ms": Number(c.loadMs.toFixed(1)),
      "async init": c.name === "libsodium-wrappers" ? "await sodium.ready" : "no",
    }
  }),
)
