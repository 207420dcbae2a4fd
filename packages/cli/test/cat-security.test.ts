// `omq cat` with CURVE and PLAIN: keys from flags or czmq certificates (made by omq keygen), a
// ZAP handler from --curve-allow / --plain-allow.
import { strict as assert } from "node:assert"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, afterEach, describe, it } from "node:test"
import { killAll, omq, omqRun } from "./helpers/omq-process.js"

afterEach(killAll)
const dir = mkdtempSync(join(tmpdir(), "omq-cli-security-"))
after(() => rmSync(dir, { recursive: true, force: true }))

const ANY_TCP = "tcp://127.0.0.1:*"

/** Runs REQ with `args` against `endpoint`, sending one line: its outcome. */
function request(endpoint: string, line: string, ...args: string[]) {
  return omqRun(["cat", "REQ", "--connect", endpoint, "--timeout", "3000", ...args], `${line}\n`)
}

async function keyPair(): Promise<{ publicKey: string; secretKey: string }> {
  return JSON.parse((await omqRun(["keygen", "--json"])).stdout.toString())
}

describe("omq cat security", () => {
  it("CURVE with czmq certificate files made by omq keygen", async () => {
    const name = join(dir, "server")
    assert.equal((await omqRun(["keygen", "--cert", name])).code, 0)
    const curve = ["--curve-server", "--curve-cert", name]
    const rep = omq("cat", "REP", "--bind", ANY_TCP, "-v", "-e", "tr a-z A-Z", ...curve)
    const client = await request(await rep.bound(), "secret", "--curve-server-cert", name)
    assert.equal(client.stdout.toString(), "SECRET\n")
    assert.equal(client.code, 0)
  })

  it("CURVE --curve-allow lets in the listed client key only", async () => {
    const [allowed, other] = await Promise.all([keyPair(), keyPair()])
    const rep = omq(
      "cat",
      ...["REP", "--bind", ANY_TCP, "-v", "-e", "cat", "--curve-server"],
      ...["--curve-allow", allowed.publicKey],
    )
    const endpoint = await rep.bound()
    const [, serverKey] = await rep.stderrMatch(/CURVE server public key: (\S{40})/)
    const as = (pair: typeof allowed) => [
      ...["--curve-server-key", serverKey!, "--curve-public-key", pair.publicKey],
      ...["--curve-secret-key", pair.secretKey],
    ]
    const good = await request(endpoint, "in", ...as(allowed))
    assert.equal(good.stdout.toString(), "in\n")
    const refused = await request(endpoint, "out", ...as(other), "--timeout", "500")
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /timed out/)
  })

  it("PLAIN --plain-allow checks the username and password", async () => {
    const args = ["--plain-server", "--plain-allow", "alice:wonder"]
    const rep = omq("cat", "REP", "--bind", ANY_TCP, "-v", "-e", "cat", ...args)
    const endpoint = await rep.bound()
    const user = ["--plain-username", "alice"]
    const good = await request(endpoint, "hi", ...user, "--plain-password", "wonder")
    assert.equal(good.stdout.toString(), "hi\n")
    const bad = await request(endpoint, "hi", ...user, "--plain-password", "x", "-t", "500")
    assert.equal(bad.code, 1)
  })
})
