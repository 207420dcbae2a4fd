// `omq proxy` between omq cat processes: a shared queue, its capture copy and its rate line.
import { strict as assert } from "node:assert"
import { afterEach, describe, it } from "node:test"
import { killAll, omq, omqRun } from "./helpers/omq-process.js"

afterEach(killAll)

const ANY_TCP = "tcp://127.0.0.1:*"

describe("omq proxy", () => {
  it("ROUTER/DEALER: REQ through the proxy reaches REP and back; --stats counts both ways", async () => {
    const args = ["proxy", "ROUTER", ANY_TCP, "DEALER", ANY_TCP, "--stats", "--interval", "50"]
    const proxy = omq(...args)
    const [front, back] = [await proxy.bound(0), await proxy.bound(1)]
    omq("cat", "REP", "--connect", back, "--exec", "tr a-z A-Z")
    const client = await omqRun(["cat", "REQ", "--connect", front, "-t", "5000"], "a\nb\nc\n")
    assert.equal(client.stdout.toString(), "A\nB\nC\n")
    await proxy.stderrMatch(/\(3 in all\) \| back→front \d+ msg\/s .*\(3 in all\)/)
    assert.match(proxy.stderr, /front→back \d+ msg\/s \d+(\.\d)? k?B\/s/)
    proxy.proc.kill("SIGINT")
    const { code, stderr } = await proxy.exit()
    assert.equal(code, 0)
    assert.match(stderr, /forwarded 3 messages front→back, 3 back→front/)
  })

  it("> connects a side; --capture gets a copy of every message", async () => {
    const pull = omq("cat", "PULL", "--bind", ANY_TCP, "-v", "--count", "2")
    const pulled = await pull.bound()
    const capturing = ["--capture", ANY_TCP, "--capture-type", "PUSH"] // PUSH: nothing dropped
    const proxy = omq("proxy", "PULL", ANY_TCP, "PUSH", `>${pulled}`, ...capturing)
    const [front, capture] = [await proxy.bound(0), await proxy.bound(1)]
    const tap = omq("cat", "PULL", "--connect", capture, "--count", "2")
    const push = omq("cat", "PUSH", "--connect", front)
    push.end("one\ntwo\n")
    assert.equal((await pull.exit()).stdout.toString(), "one\ntwo\n")
    assert.equal((await tap.exit()).stdout.toString(), "one\ntwo\n")
  })
})
