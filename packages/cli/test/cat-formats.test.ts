// `omq cat`'s message formats end to end (raw bytes, jsonl, nul, line's hex), and how it ends:
// --timeout, signals, stdin's end with linger.
import { strict as assert } from "node:assert"
import { randomBytes } from "node:crypto"
import { closeSync, openSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, it } from "node:test"
import { ipcEndpoint, killAll, OmqProcess, omq } from "./helpers/omq-process.js"

afterEach(killAll)

const ANY_TCP = "tcp://127.0.0.1:*"

/** Pushes `input` (bytes) with `pushArgs`, pulls one message with `pullArgs`: the output. */
async function pushPull(input: string | Buffer, pushArgs: string[], pullArgs: string[]) {
  const pull = omq("cat", "PULL", "--bind", ANY_TCP, "-v", "--count", "1", ...pullArgs)
  const push = omq("cat", "PUSH", "--connect", await pull.bound(), ...pushArgs)
  push.end(input)
  const [pulled, pushed] = await Promise.all([pull.exit(), push.exit()])
  assert.deepEqual([pulled.code, pushed.code], [0, 0], pulled.stderr + pushed.stderr)
  return pulled.stdout
}

describe("omq cat formats", () => {
  it("a binary file goes through PUSH → PULL --format raw byte for byte", async () => {
    // NULs, newlines, tabs and bytes that are not UTF-8, 48 KiB of them.
    const bytes = Buffer.concat([Buffer.from("\0\n\t\r\xff"), randomBytes(48 * 1024)])
    const file = join(tmpdir(), `omq-cli-raw-${process.pid}.bin`)
    writeFileSync(file, bytes)
    const fd = openSync(file, "r")
    try {
      const pull = omq("cat", "PULL", "--bind", ANY_TCP, "-v", "--format", "raw", "-n", "1")
      const endpoint = await pull.bound()
      const push = new OmqProcess(["cat", "PUSH", "--connect", endpoint, "--format", "raw"], fd)
      const [pulled, pushed] = await Promise.all([pull.exit(), push.exit()])
      assert.deepEqual([pulled.code, pushed.code], [0, 0])
      assert.ok(pulled.stdout.equals(bytes), `got ${pulled.stdout.length} of ${bytes.length} B`)
    } finally {
      closeSync(fd)
      rmSync(file, { force: true })
    }
  })

  it("jsonl reads text, hex and base64 frames and writes non-UTF-8 ones as --binary says", async () => {
    const input = '[{"hex":"00ff0a"},"text",{"base64":"/wE="}]\n'
    const jsonl = ["--format", "jsonl"]
    const hex = await pushPull(input, jsonl, [...jsonl, "--binary", "hex"])
    assert.equal(hex.toString(), '[{"hex":"00ff0a"},"text",{"hex":"ff01"}]\n')
    const base64 = await pushPull(input, jsonl, jsonl)
    assert.equal(base64.toString(), '[{"base64":"AP8K"},"text",{"base64":"/wE="}]\n')
  })

  it("line format shows a frame that is not printable text as 0x<hex>", async () => {
    const out = await pushPull('["plain",{"hex":"00ff"}]\n', ["--format", "jsonl"], [])
    assert.equal(out.toString(), "plain\t0x00ff\n")
  })

  it("nul format splits messages at NUL and frames at --delimiter", async () => {
    const nul = ["--format", "nul", "--delimiter", "|"]
    const out = await pushPull("a|b\nwith newline\0", nul, nul)
    assert.equal(out.toString(), "a|b\nwith newline\0")
  })
})

describe("how omq cat ends", () => {
  it("--timeout fails with status 1 when nothing arrives", async () => {
    const pull = omq("cat", "PULL", "--bind", ANY_TCP, "--timeout", "200")
    const { code, stderr } = await pull.exit()
    assert.equal(code, 1)
    assert.match(stderr, /timed out: nothing for 200 ms/)
  })

  it("REQ --timeout fails when no reply comes", async () => {
    const rep = omq("cat", "REP", "--bind", ANY_TCP, "-v") // never answers: stdin stays open
    // Long enough for the request to reach REP on a loaded machine (it must, to be left unanswered).
    const req = omq("cat", "REQ", "--connect", await rep.bound(), "--timeout", "2000")
    req.end("anyone?\n")
    await rep.stdoutMatch(/anyone\?/)
    const { code, stderr } = await req.exit()
    assert.equal(code, 1)
    assert.match(stderr, /timed out/)
  })

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} closes the socket and exits 0`, async () => {
      const pull = omq("cat", "PULL", "--bind", ANY_TCP, "-v")
      await pull.bound()
      pull.proc.kill(signal)
      const { code, stderr } = await pull.exit()
      assert.equal(code, 0)
      assert.doesNotMatch(stderr, /error/)
    })
  }

  it("at stdin's end a PUSH lingers until its message is delivered", async () => {
    const endpoint = ipcEndpoint()
    const push = omq("cat", "PUSH", "--connect", endpoint, "-v")
    push.end("late\n")
    await push.stderrMatch(/connect:retry/) // stdin is read; nobody is there yet
    assert.equal(push.proc.exitCode, null, "PUSH left before delivering")
    const pull = omq("cat", "PULL", "--bind", endpoint, "--count", "1")
    const [pulled, pushed] = await Promise.all([pull.exit(), push.exit()])
    assert.equal(pulled.stdout.toString(), "late\n")
    assert.deepEqual([pulled.code, pushed.code], [0, 0])
  })

  it("-o linger=0 drops what could not be delivered and exits at once", async () => {
    const push = omq("cat", "PUSH", "--connect", ipcEndpoint(), "-o", "linger=0")
    push.end("nobody\n")
    assert.equal((await push.exit()).code, 0)
  })
})
