// `omq cat` between two omq processes: the two-way patterns over tcp, ipc and ws, then the
// routing and draft types over tcp (their transport is the same code).
import { strict as assert } from "node:assert"
import { afterEach, describe, it } from "node:test"
import { killAll, omq, repeatUntil, TRANSPORTS } from "./helpers/omq-process.js"

afterEach(killAll)

for (const { name, endpoint } of TRANSPORTS) {
  describe(`omq cat over ${name}`, () => {
    it("PUSH sends stdin's lines, PULL prints them, a tab splitting frames", async () => {
      const pull = omq("cat", "PULL", "--bind", endpoint(), "-v", "--count", "3")
      const push = omq("cat", "PUSH", "--connect", await pull.bound())
      push.end("one\ntwo\tframes\nthree\n")
      const [pulled, pushed] = await Promise.all([pull.exit(), push.exit()])
      assert.equal(pulled.stdout.toString(), "one\ntwo\tframes\nthree\n")
      assert.deepEqual([pulled.code, pushed.code], [0, 0])
    })

    it("REQ prints the reply REP's --exec made of each request", async () => {
      const rep = omq("cat", "REP", "--bind", endpoint(), "-v", "--exec", "tr a-z A-Z")
      const req = omq("cat", "REQ", "--connect", await rep.bound())
      req.end("hello\nworld\n")
      const replied = await req.exit()
      assert.equal(replied.stdout.toString(), "HELLO\nWORLD\n")
      assert.equal(replied.code, 0)
    })

    it("ROUTER prints the DEALER's routing id and answers to the id a line starts with", async () => {
      const router = omq("cat", "ROUTER", "--bind", endpoint(), "-v")
      const dealer = omq("cat", "DEALER", "--connect", await router.bound())
      dealer.write("ping\n")
      await router.stdoutMatch(/\tping\n/)
      const [id] = router.stdout.split("\t")
      router.write(`${id}\tpong\tsecond frame\n`)
      await dealer.stdoutMatch(/^pong\tsecond frame\n$/)
    })
  })
}

describe("omq cat over tcp: routing, subscriptions, drafts", () => {
  const endpoint = () => "tcp://127.0.0.1:*"
  it("-o routingId names a DEALER to its ROUTER", async () => {
    const router = omq("cat", "ROUTER", "--bind", endpoint(), "-v", "--count", "1")
    const dealer = omq("cat", "DEALER", "--connect", await router.bound(), "-o", "routingId=d1")
    dealer.write("hi\n")
    const routed = await router.exit()
    assert.equal(routed.stdout.toString(), "d1\thi\n")
  })

  it("SUB prints only what matches --subscribe from an XPUB", async () => {
    const xpub = omq("cat", "XPUB", "--bind", endpoint(), "-v")
    const sub = omq("cat", "SUB", "--connect", await xpub.bound(), "-s", "weather.", "-n", "1")
    // XPUB prints the subscription (0x01 + prefix, not printable: as hex) when it arrives.
    await xpub.stdoutMatch(new RegExp(`^0x01${Buffer.from("weather.").toString("hex")}\n`))
    xpub.write("sport.goal\nweather.rain\n")
    const subscribed = await sub.exit()
    assert.equal(subscribed.stdout.toString(), "weather.rain\n")
  })

  it("SERVER prints a CLIENT's numeric routing id and answers to it", async () => {
    const server = omq("cat", "SERVER", "--bind", endpoint(), "-v")
    const client = omq("cat", "CLIENT", "--connect", await server.bound(), "--count", "1")
    client.write("hello server\n")
    const [, id] = await server.stdoutMatch(/^(\d+)\thello server\n/)
    server.write(`${id}\thello client\n`)
    const answered = await client.exit()
    assert.equal(answered.stdout.toString(), "hello client\n")
  })

  it("DISH --join prints the group and body a RADIO --group sends", async () => {
    const dish = omq("cat", "DISH", "--bind", endpoint(), "-v", "--join", "news", "-n", "1")
    const radio = omq("cat", "RADIO", "--connect", await dish.bound(), "--group", "news")
    // A RADIO drops what it sends before the DISH's join arrives, and cannot tell when it did.
    const received = await repeatUntil(radio, "extra\n", dish.exit())
    assert.equal(received.stdout.toString(), "news\textra\n")
  })
})
