// CURVE key pairs and certificate files: omq's own round trips, and key pairs made by libzmq
// (the `zeromq` package) checked against omq's X25519.
import { strict as assert } from "node:assert"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { publicKeyOf, z85Decode, z85Encode } from "@omq/transport/zmtp"
import { curveKeyPair, readCertificate, writeCertificate } from "omq"
import * as zmq from "zeromq"

const dir = mkdtempSync(join(tmpdir(), "omq-cert-test-"))
after(() => rmSync(dir, { recursive: true, force: true }))

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/

describe("curveKeyPair", () => {
  it("gives two 40-character Z85 keys that belong together", () => {
    const { publicKey, secretKey } = curveKeyPair()
    assert.match(publicKey, Z85_KEY)
    assert.match(secretKey, Z85_KEY)
    assert.equal(z85Encode(publicKeyOf(z85Decode(secretKey))), publicKey)
    assert.notEqual(curveKeyPair().secretKey, secretKey)
  })

  it("derives the public key libzmq derives", () => {
    for (let i = 0; i < 20; i++) {
      const pair = zmq.curveKeyPair()
      assert.equal(z85Encode(publicKeyOf(z85Decode(pair.secretKey))), pair.publicKey)
    }
  })
})

describe("certificate files", () => {
  it("writes a public file and a 0600 secret twin, and reads the secret back", async () => {
    const path = join(dir, "server.cert")
    const pair = curveKeyPair()
    const metadata = { name: "server", email: "ops@example.org" }
    await writeCertificate(path, { ...pair, metadata })
    assert.equal(statSync(`${path}_secret`).mode & 0o777, 0o600)
    assert.ok(!readFileSync(path, "utf8").includes(pair.secretKey))
    assert.ok(readFileSync(`${path}_secret`, "utf8").includes(pair.secretKey))
    assert.deepEqual(await readCertificate(path), { ...pair, metadata })
  })

  it("narrows an existing secret file with looser permissions", async () => {
    const path = join(dir, "loose.cert")
    writeFileSync(`${path}_secret`, "old", { mode: 0o644 })
    await writeCertificate(path, curveKeyPair())
    assert.equal(statSync(`${path}_secret`).mode & 0o777, 0o600)
  })

  it("reads the public file alone when there is no secret twin", async () => {
    const path = join(dir, "client.cert")
    const { publicKey } = curveKeyPair()
    await writeCertificate(path, { publicKey })
    assert.throws(() => statSync(`${path}_secret`), { code: "ENOENT" })
    assert.deepEqual(await readCertificate(path), { publicKey, metadata: {} })
  })

  it("refuses a secret key that is not the public key's", async () => {
    const path = join(dir, "mismatch.cert")
    const a = curveKeyPair()
    const b = curveKeyPair()
    await assert.rejects(
      writeCertificate(path, { publicKey: a.publicKey, secretKey: b.secretKey }),
      RangeError,
    )
    assert.throws(() => statSync(path), { code: "ENOENT" })
  })

  it("fails on a missing file, and on a certificate without a public key", async () => {
    await assert.rejects(readCertificate(join(dir, "absent.cert")), { code: "ENOENT" })
    const path = join(dir, "keyless.cert")
    writeFileSync(path, "metadata\n    name = x\n")
    await assert.rejects(readCertificate(path), SyntaxError)
  })
})
