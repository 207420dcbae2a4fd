// Interop with libzmq 4.3.5 from whatever runtime runs this file (Node, Bun, Deno): omq here,
// libzmq in a Node child process (scripts/smoke.js passes that Node's path in OMQ_SMOKE_NODE).
// REQ/REP both ways over tcp, PUSH/PULL with CURVE, DEALER/ROUTER over ws.
import assert from "node:assert/strict"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Context, curveKeyPair, Dealer, Push, Reply, Request } from "omq"

const peerScript = fileURLToPath(new URL("libzmq-peer.js", import.meta.url))
const nodeBinary = process.env.OMQ_SMOKE_NODE ?? "node"

for (const ioThreads of [0, 1]) {
  describe(`interop with libzmq in a Node process (ioThreads: ${ioThreads})`, () => {
    it("REQ/REP both ways over tcp, CURVE PUSH → PULL, DEALER ↔ ROUTER over ws", async () => {
      const context = new Context({ ioThreads })
      const server = curveKeyPair()
      const client = curveKeyPair()
      const reply = new Reply({ context, linger: 0 })
      await reply.bind("tcp://127.0.0.1:*")
      const peer = spawn(
        nodeBinary,
        [peerScript, reply.lastEndpoint, server.publicKey, server.secretKey],
        { stdio: ["ignore", "pipe", "inherit"] },
      )
      const exited = new Promise((resolve) => peer.once("exit", (code) => resolve(code)))
      const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]()
      const output = []
      const sockets = [reply]
      try {
        const endpoints = JSON.parse((await lines.next()).value)

        const answered = (async () => {
          const [request] = await reply.receive()
          await reply.send(`${request}, answered by omq`)
        })()

        const request = new Request({ context, linger: 0 })
        sockets.push(request)
        request.connect(endpoints.rep)
        for (let i = 1; i <= 3; i++) {
          await request.send(`request ${i}`)
          assert.deepEqual((await request.receive()).map(String), [`request ${i} back`])
        }

        const push = new Push({
          context,
          linger: 1000,
          curveServerKey: server.publicKey,
          curvePublicKey: client.publicKey,
          curveSecretKey: client.secretKey,
        })
        sockets.push(push)
        push.connect(endpoints.pull)
        await push.send(["sealed", "with CURVE"])

        const dealer = new Dealer({ context, linger: 0 })
        sockets.push(dealer)
        dealer.connect(endpoints.router)
        await dealer.send(["over", "ws"])
        assert.deepEqual((await dealer.receive()).map(String), ["over", "ws", "echoed"])

        await answered
        for await (const line of { [Symbol.asyncIterator]: () => lines }) output.push(line)
        assert.equal(await exited, 0)
      } finally {
        for (const s of sockets) s.close()
        peer.kill()
      }
      assert.ok(output.includes("pull: sealed|with CURVE"), output.join("\n"))
      assert.ok(output.includes("req: from libzmq, answered by omq"), output.join("\n"))
      assert.match(output.at(-1), /^done; server key 40 characters$/)
    })
  })
}
