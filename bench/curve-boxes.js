// omq's CURVE MESSAGE boxes (CurveCipher: seal on one side, open on the other), with tweetnacl
// and with libsodium, the two libraries curve-crypto.ts switches between (Issue 9):
//   node bench/curve-boxes.js [--time 500]
// libsodium is driven through its Emscripten memory (secretbox-backend.ts), not the wrapper
// functions that bench/curve-crypto.js measures. Needs the transport package built.

import {
  boxKey,
  CurveCipher,
  curveKeyPairBytes,
  disableSodium,
  loadSodium,
  secretboxLibrary,
} from "@omq/transport/zmtp"
import { Bench } from "tinybench"

const timeArg = process.argv.indexOf("--time")
const time = timeArg > 0 ? Number(process.argv[timeArg + 1]) : 500
const sizes = [64, 1024, 65536]

const a = curveKeyPairBytes()
const b = curveKeyPairBytes()
const key = boxKey(b.publicKey, a.secretKey)

const rows = []
for (const library of ["tweetnacl", "libsodium"]) {
  disableSodium(library === "tweetnacl")
  if (library === "libsodium" && !(await loadSodium())) throw new Error("libsodium did not load")
  if (secretboxLibrary() !== library) throw new Error(`expected ${library}`)
  const bench = new Bench({ time })
  for (const size of sizes) {
    const body = new Uint8Array(size).fill(5)
    const client = new CurveCipher(key, false, 1n, 0n)
    const server = new CurveCipher(key, true, 1n, 0n)
    const sealed = client.seal(1, body)
    if (server.open(sealed).body.byteLength !== size) throw new Error("round trip failed")
    bench.add(`${size}`, () => server.open(client.seal(1, body)))
  }
  await bench.run()
  for (const task of bench.tasks) {
    const perSec = task.result.throughput.p50 ?? task.result.throughput.mean
    const size = Number(task.name)
    rows.push({
      library,
      size: size >= 1024 ? `${size / 1024} KiB` : `${size} B`,
      "seal+open /s": Math.round(perSec),
      "MB/s": Number(((perSec * size) / 1e6).toFixed(1)),
    })
  }
}
console.log("CurveCipher seal + open, one thread, median")
console.table(rows)
