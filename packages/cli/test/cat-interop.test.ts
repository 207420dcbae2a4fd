// `omq cat` against libzmq in both directions: the `zeromq` package (libzmq 4.3.5) in this
// process, and Debian's python3-zmq in a child.
import { strict as assert } from "node:assert"
import { spawn } from "node:child_process"
import { after, afterEach, describe, it } from "node:test"
import * as zmq from "zeromq"
import { killAll, omq } from "./helpers/omq-process.js"

const sockets: Array<{ close(): void }> = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close()
  await killAll()
})

/** A zeromq socket, closed after the test, bound to a free port: its endpoint. */
async function zmqBound<S extends zmq.Socket>(socket: S): Promise<[S, string]> {
  sockets.push(socket)
  await socket.bind("tcp://127.0.0.1:*")
  return [socket, socket.lastEndpoint!]
}

function zmqSocket<S extends zmq.Socket>(socket: S): S {
  sockets.push(socket)
  return socket
}

describe("omq cat ↔ zeromq (libzmq 4.3.5)", () => {
  it("omq cat PUSH → zeromq Pull", async () => {
    const [pull, endpoint] = await zmqBound(new zmq.Pull({ linger: 0 }))
    const push = omq("cat", "PUSH", "--connect", endpoint)
    push.end("one\ntwo\tframes\n")
    assert.deepEqual((await pull.receive()).map(String), ["one"])
    assert.deepEqual((await pull.receive()).map(String), ["two", "frames"])
    assert.equal((await push.exit()).code, 0)
  })

  it("zeromq Push → omq cat PULL", async () => {
    const pull = omq("cat", "PULL", "--bind", "tcp://127.0.0.1:*", "-v", "--count", "2")
    const push = zmqSocket(new zmq.Push({ linger: 0 }))
    push.connect(await pull.bound())
    await push.send(["multi", "part"])
    await push.send(Buffer.from([0, 1, 2]))
    const { stdout, code } = await pull.exit()
    assert.equal(stdout.toString(), "multi\tpart\n0x000102\n")
    assert.equal(code, 0)
  })

  it("omq cat REQ → zeromq Reply, and back", async () => {
    const [rep, endpoint] = await zmqBound(new zmq.Reply({ linger: 0 }))
    void (async () => {
      for await (const [request] of rep) await rep.send(`re: ${request}`)
    })().catch(() => {}) // ends when the socket closes
    const req = omq("cat", "REQ", "--connect", endpoint)
    req.end("first\nsecond\n")
    const { stdout, code } = await req.exit()
    assert.equal(stdout.toString(), "re: first\nre: second\n")
    assert.equal(code, 0)
  })

  it("zeromq Dealer → omq cat ROUTER, which answers to its routing id", async () => {
    const router = omq("cat", "ROUTER", "--bind", "tcp://127.0.0.1:*", "-v")
    const dealer = zmqSocket(new zmq.Dealer({ linger: 0, routingId: "zd" }))
    dealer.connect(await router.bound())
    await dealer.send(["hello", "router"])
    await router.stdoutMatch(/^zd\thello\trouter\n/)
    router.write("zd\tanswer\n")
    assert.deepEqual((await dealer.receive()).map(String), ["answer"])
  })

  it("zeromq Request → omq cat ROUTER --exec, which keeps the envelope", async () => {
    const router = omq("cat", "ROUTER", "--bind", "tcp://127.0.0.1:*", "-v", "--exec", "rev")
    const req = zmqSocket(new zmq.Request({ linger: 0 }))
    req.connect(await router.bound())
    await req.send("stressed")
    assert.deepEqual((await req.receive()).map(String), ["desserts"])
  })

  it("zeromq Publisher → omq cat SUB --subscribe", async () => {
    const [pub, endpoint] = await zmqBound(new zmq.Publisher({ linger: 0 }))
    const sub = omq("cat", "SUB", "--connect", endpoint, "-s", "a", "-n", "1")
    // A PUB drops what goes before the subscription: publish until it is through.
    const timer = setInterval(() => void pub.send(["b", "no"]).then(() => pub.send("a yes")), 50)
    try {
      const { stdout } = await sub.exit()
      assert.equal(stdout.toString(), "a yes\n")
    } finally {
      clearInterval(timer)
    }
  })
})

const PYTHON_REQ = `
import sys, zmq
s = zmq.Context.instance().socket(zmq.REQ)
s.linger = 0
s.rcvtimeo = 10000
s.connect(sys.argv[1])
for word in ["ping", "zmq"]:
    s.send_string(word)
    print(s.recv_string(), flush=True)
`

describe("omq cat ↔ python3-zmq", () => {
  const children: Array<ReturnType<typeof spawn>> = []
  after(() => {
    for (const child of children) child.kill("SIGKILL")
  })

  it("a pyzmq REQ is answered by omq cat REP --exec", async () => {
    const rep = omq("cat", "REP", "--bind", "tcp://127.0.0.1:*", "-v", "-e", "tr a-z A-Z")
    const python = spawn("/usr/bin/python3", ["-c", PYTHON_REQ, await rep.bound()], {
      stdio: ["ignore", "pipe", "inherit"],
    })
    children.push(python)
    let out = ""
    python.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk))
    const code = await new Promise((resolve) => python.on("close", resolve))
    assert.equal(code, 0)
    assert.equal(out, "PING\nZMQ\n")
  })
})
