// `omq monitor` as a user runs it: events with ISO times, handshake failures with their codes.
import { strict as assert } from "node:assert"
import { afterEach, describe, it } from "node:test"
import { killAll, omq, omqRun } from "./helpers/omq-process.js"

afterEach(killAll)

const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"

describe("omq monitor", () => {
  it("prints a bind, the peer's accept and handshake with ISO times", async () => {
    const monitor = omq("monitor", "ROUTER", "--bind", "tcp://127.0.0.1:*", "-v")
    const endpoint = await monitor.bound()
    const dealer = omq("cat", "DEALER", "--connect", endpoint)
    await monitor.stdoutMatch(
      new RegExp(`^${ISO} handshake ${endpoint.replace(/\./g, "\\.")}`, "m"),
    )
    assert.match(monitor.stdout, new RegExp(`^${ISO} bind tcp://127\\.0\\.0\\.1:\\d+\\n`))
    assert.match(monitor.stdout, /accept tcp:/)
    dealer.proc.kill("SIGTERM")
    await monitor.stdoutMatch(/ disconnect tcp:/)
  })

  it("--until handshake exits 0 once a connect succeeds; --json gives objects", async () => {
    const rep = omq("cat", "REP", "--bind", "tcp://127.0.0.1:*", "-v")
    const endpoint = await rep.bound()
    const { code, stdout } = await omqRun(["monitor", endpoint, "--until", "handshake", "--json"])
    assert.equal(code, 0)
    const events = stdout
      .toString()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; time: string; address: string })
    assert.equal(events.at(-1)!.type, "handshake")
    assert.equal(events.at(-1)!.address, endpoint)
    assert.match(events[0]!.time, new RegExp(`^${ISO}$`))
  })

  it("--timeout fails with status 1 when the handshake does not come", async () => {
    const { code, stdout, stderr } = await omqRun([
      "monitor",
      "tcp://127.0.0.1:1",
      "--until",
      "handshake",
      "--timeout",
      "2000", // room for the first refused connect on a loaded machine
    ])
    assert.equal(code, 1)
    assert.match(stdout.toString(), /connect:retry tcp:\/\/127\.0\.0\.1:1 in \d+ ms/)
    assert.match(stderr, /timed out: no handshake event in 2000 ms/)
  })

  it("shows a CURVE handshake failing on a wrong server key, with its code", async () => {
    const server = omq("monitor", "REP", "--bind", "tcp://127.0.0.1:*", "-v", "--curve-server")
    const endpoint = await server.bound()
    const [, serverKey] = await server.stderrMatch(/CURVE server public key: (\S{40})/)
    const wrongKey = serverKey!.startsWith("0")
      ? `1${serverKey!.slice(1)}`
      : `0${serverKey!.slice(1)}`
    const client = omq("monitor", "REQ", endpoint, "--curve-server-key", wrongKey)
    // The server cannot open the client's HELLO: a protocol error, ERR_ZMTP_CRYPTOGRAPHIC.
    const [line] = await server.stdoutMatch(/^.* handshake:error:protocol .*$/m)
    assert.match(line!, new RegExp(`^${ISO} handshake:error:protocol tcp://127\\.0\\.0\\.1:\\d+ `))
    assert.match(line!, / ERR_ZMTP_CRYPTOGRAPHIC \(/)
    // The client sees the server hang up during the handshake, and retries.
    await client.stdoutMatch(/ handshake:error:other tcp:\S+ EPIPE /)
    assert.doesNotMatch(client.stdout, / handshake tcp:/)
  })

  it("shows a PLAIN client refused by the ZAP handler with its status", async () => {
    const server = omq(
      "monitor",
      "REP",
      "--bind",
      "tcp://127.0.0.1:*",
      "-v",
      "--plain-server",
      "--plain-allow",
      "alice:secret",
    )
    const endpoint = await server.bound()
    const args = ["REQ", endpoint, "--plain-username", "alice", "--plain-password", "wrong"]
    const client = omq("monitor", ...args)
    const [line] = await server.stdoutMatch(/^.* handshake:error:auth .*$/m)
    assert.match(line!, /handshake:error:auth tcp:\S+ \S+ ZAP 400 \(Authentication failure/)
    await client.stdoutMatch(/ handshake:error:auth tcp:\S+ \S+ ZAP 400 /)
  })
})
