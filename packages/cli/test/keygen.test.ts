// `omq keygen`: Z85 key pairs, and czmq certificate files that omq's helpers read back.
import { strict as assert } from "node:assert"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, describe, it } from "node:test"
import { readCertificate } from "omq"
import { omqRun } from "./helpers/omq-process.js"

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/
const dir = mkdtempSync(join(tmpdir(), "omq-cli-keygen-"))
after(() => rmSync(dir, { recursive: true, force: true }))

describe("omq keygen", () => {
  it("prints a new pair of 40-character Z85 keys", async () => {
    const { code, stdout } = await omqRun(["keygen"])
    assert.equal(code, 0)
    const [, publicKey, secretKey] = stdout
      .toString()
      .match(/^public-key: (.*)\nsecret-key: (.*)\n$/)!
    assert.match(publicKey!, Z85_KEY)
    assert.match(secretKey!, Z85_KEY)
    const json = JSON.parse((await omqRun(["keygen", "--json"])).stdout.toString())
    assert.match(json.publicKey, Z85_KEY)
    assert.notEqual(json.publicKey, publicKey, "a new pair each time")
  })

  it("--cert writes czmq's NAME and NAME_secret, which omq reads back", async () => {
    const name = join(dir, "server")
    const args = ["keygen", "--cert", name, "-m", "name=gateway", "-m", "email=ops@example.com"]
    const { code, stdout, stderr } = await omqRun(args)
    assert.equal(code, 0)
    assert.match(stderr, /wrote .*server and .*server_secret/)
    const printed = stdout.toString().match(/^public-key: (.*)\n/)![1]

    const cert = await readCertificate(name)
    assert.equal(cert.publicKey, printed)
    assert.match(cert.secretKey!, Z85_KEY)
    assert.deepEqual(cert.metadata, { name: "gateway", email: "ops@example.com" })
    assert.equal(statSync(`${name}_secret`).mode & 0o777, 0o600)

    // czmq's zcert layout: sections at the margin, four-space indented `name = "value"` lines.
    const publicText = readFileSync(name, "utf8")
    assert.match(publicText, /^metadata\n {4}name = "gateway"\n {4}email = "ops@example.com"\n/m)
    assert.match(
      publicText,
      new RegExp(`^curve\\n {4}public-key = "${regexQuote(printed!)}"\\n`, "m"),
    )
    assert.doesNotMatch(publicText, /secret-key/)
    const secretText = readFileSync(`${name}_secret`, "utf8")
    assert.match(secretText, /^ {4}secret-key = ".{40}"$/m)
  })
})

function regexQuote(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
}
