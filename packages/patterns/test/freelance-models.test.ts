// The zguide's Freelance models 1 (a REQ trying each server in turn) and 2 (a DEALER asking
// every server at once) over real tcp sockets, against servers written the guide's way (REP
// sockets) and against FreelanceServer (RFC 10). Timeouts run on an injected ManualClock; what
// the sockets do in between is awaited, never slept for. The examples flclient1.js and
// flclient2.js run as child processes against flserver.js.
import { strict as assert } from "node:assert"
import { execFile, spawn } from "node:child_process"
import { afterEach, beforeEach, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Reply, Router } from "omq"
import {
  FreelanceFailoverClient,
  type FreelanceModelEvent,
  FreelanceServer,
  FreelanceShotgunClient,
} from "../src/mod.js"
import { EventLog } from "./event-log.js"
import { ManualClock } from "./manual-clock.js"

const patterns = fileURLToPath(new URL("../../../../examples/patterns/", import.meta.url))
const isCode = (code: string) => (err: unknown) => (err as { code?: string }).code === code

describe("Freelance models 1 and 2", () => {
  const log = new EventLog<FreelanceModelEvent>("omq:patterns:freelance")
  const closers: Array<{ close(): void }> = []
  const keep = <T extends { close(): void }>(c: T): T => {
    closers.push(c)
    return c
  }
  beforeEach(() => log.start())
  afterEach(() => {
    log.stop()
    for (const c of closers.splice(0)) c.close()
  })

  /**
   * A server on a ROUTER the test drives: it records each request with its sender's identity,
   * and answers as `answer` says (null: not at all), keeping the envelope as a REP would.
   */
  async function routerServer(answer: (body: string[]) => string[] | null) {
    const socket = keep(new Router({ linger: 0 }))
    await socket.bind("tcp://127.0.0.1:*")
    const requests: Array<{ from: string; body: string[] }> = []
    let arrived = null as (() => void) | null
    void (async () => {
      for await (const [id, ...frames] of socket) {
        const split = frames.findIndex((f) => f.byteLength === 0) + 1
        const body = frames.slice(split).map(String)
        requests.push({ from: id!.toString("hex"), body })
        arrived?.()
        const reply = answer(body)
        if (reply) await socket.send([id!, ...frames.slice(0, split), ...reply])
      }
    })().catch(() => {})
    /** Resolves once `count` requests have come in. */
    const received = async (count: number) => {
      while (requests.length < count) await new Promise<void>((r) => (arrived = r))
      return requests
    }
    return { endpoint: socket.lastEndpoint!, requests, received }
  }

  /** The guide's model 2 server: a REP answering `[sequence, body + " by NAME"]`. */
  async function repServer(name: string) {
    const socket = keep(new Reply({ linger: 0 }))
    await socket.bind("tcp://127.0.0.1:*")
    let served = 0
    void (async () => {
      for await (const [sequence, body] of socket) {
        served++
        await socket.send([sequence!, `${String(body)} by ${name}`])
      }
    })().catch(() => {})
    return {
      endpoint: socket.lastEndpoint!,
      get served() {
        return served
      },
    }
  }

  describe("model 1: FreelanceFailoverClient (REQ, each server in turn)", () => {
    it("a silent first server costs one timeout; the second answers; every try on a fresh socket", async () => {
      const clock = new ManualClock()
      const silent = await routerServer(() => null)
      const echo = await routerServer((body) => [...body, "by echo"])
      const client = keep(new FreelanceFailoverClient([silent.endpoint, echo.endpoint], { clock }))
      const armed = clock.untilTimer(1_000)
      const reply = client.request(["hello", "world"])
      await Promise.all([armed, silent.received(1)])
      clock.advance(1_000)
      assert.deepEqual((await reply).map(String), ["hello", "world", "by echo"])
      assert.deepEqual(log.events, [
        { type: "retry", model: 1, endpoint: silent.endpoint, attempt: 1 },
      ])
      // Next request: the silent server is tried first again (model 1 keeps no memory).
      const armedAgain = clock.untilTimer(1_000)
      const second = client.request("again")
      await Promise.all([armedAgain, silent.received(2)])
      clock.advance(1_000)
      assert.deepEqual((await second).map(String), ["again", "by echo"])
      for (const server of [silent, echo]) {
        const senders = new Set(server.requests.map((r) => r.from))
        assert.equal(senders.size, 2, "two tries here, on two sockets")
      }
      assert.deepEqual(
        silent.requests.map((r) => r.body),
        [["hello", "world"], ["again"]],
      )
    })

    it("one server: three tries (the guide's), then EAGAIN", async () => {
      const clock = new ManualClock()
      const silent = await routerServer(() => null)
      const client = keep(new FreelanceFailoverClient([silent.endpoint], { clock }))
      let armed = clock.untilTimer(1_000)
      const reply = client.request("anyone?")
      for (let attempt = 1; attempt <= 3; attempt++) {
        await Promise.all([armed, silent.received(attempt)])
        armed = clock.untilTimer(1_000)
        clock.advance(1_000)
      }
      await assert.rejects(reply, isCode("EAGAIN"))
      assert.equal(new Set(silent.requests.map((r) => r.from)).size, 3)
      assert.deepEqual(log.ofType("abandon"), [{ type: "abandon", model: 1, attempts: 3 }])
    })

    it("several servers, none answering: each tried once, then EAGAIN", async () => {
      const clock = new ManualClock()
      const servers = [
        await routerServer(() => null),
        await routerServer(() => null),
        await routerServer(() => null),
      ]
      const client = keep(
        new FreelanceFailoverClient(
          servers.map((s) => s.endpoint),
          { clock },
        ),
      )
      let armed = clock.untilTimer(1_000)
      const reply = client.request("anyone?")
      for (const server of servers) {
        await Promise.all([armed, server.received(1)])
        armed = clock.untilTimer(1_000)
        clock.advance(1_000)
      }
      await assert.rejects(reply, isCode("EAGAIN"))
      assert.deepEqual(
        servers.map((s) => s.requests.length),
        [1, 1, 1],
      )
      assert.deepEqual(
        log.ofType("retry").map((e) => "endpoint" in e && e.endpoint),
        servers.slice(0, 2).map((s) => s.endpoint),
      )
    })

    it("FreelanceServer (RFC 10) serves it: the REQ's delimiter comes back where a sequence would", async () => {
      const server = keep(
        await FreelanceServer.bind("tcp://127.0.0.1:*", (body) => [...body.map(String), "ok"]),
      )
      const client = keep(new FreelanceFailoverClient([server.endpoint]))
      assert.deepEqual((await client.request(["a", "b"])).map(String), ["a", "b", "ok"])
      assert.deepEqual((await client.request("PING")).map(String), ["PING", "ok"])
    })

    it("a request aborted or a client closed mid-try rejects at once", async () => {
      const clock = new ManualClock()
      const silent = await routerServer(() => null)
      const client = keep(new FreelanceFailoverClient([silent.endpoint], { clock }))
      const controller = new AbortController()
      const aborted = client.request("x", { signal: controller.signal })
      await silent.received(1)
      controller.abort(new Error("stop"))
      await assert.rejects(aborted, /stop/)
      const closed = client.request("y")
      await silent.received(2)
      client.close()
      await assert.rejects(closed, isCode("EBADF"))
      assert.equal(clock.pending, 0, "no timer left behind")
    })
  })

  describe("model 2: FreelanceShotgunClient (DEALER, every server at once)", () => {
    it("each request goes once to every server; the first reply wins, the later one is dropped as stale", async () => {
      const a = await repServer("A")
      const b = await repServer("B")
      const client = keep(new FreelanceShotgunClient())
      client.connect(a.endpoint)
      client.connect(b.endpoint)
      const stale = () => log.ofType("stale-reply").length
      for (let sequence = 1; sequence <= 20; sequence++) {
        const staleBefore = stale()
        const dropped = log.next("stale-reply")
        const [reply] = await client.request(`request ${sequence}`)
        assert.match(String(reply), new RegExp(`^request ${sequence} by [AB]$`))
        await dropped // the other server's answer
        assert.equal(stale(), staleBefore + 1)
      }
      assert.deepEqual([a.served, b.served], [20, 20], "one copy to each server per request")
      assert.deepEqual(
        log.ofType("stale-reply").map((e) => "sequence" in e && e.sequence),
        Array.from({ length: 20 }, (_, i) => i + 1),
      )
    })

    it('on the wire: a request is ["", sequence, body…]; a reply with another sequence does not answer it', async () => {
      let hold = true
      const server = await routerServer((body) => (hold ? ["999", "wrong"] : body))
      const client = keep(new FreelanceShotgunClient())
      client.connect(server.endpoint)
      const stale = log.next("stale-reply")
      const reply = client.request(["x", "y"])
      assert.deepEqual(await stale, { type: "stale-reply", model: 2, sequence: 999 })
      assert.deepEqual((await server.received(1))[0]!.body, ["1", "x", "y"])
      hold = false
      assert.deepEqual((await client.request("z")).map(String), ["z"])
      assert.deepEqual((await server.received(2))[1]!.body, ["2", "z"])
      client.close()
      await assert.rejects(reply, isCode("EBADF"))
    })

    it("overlapping requests each reach every server, and each gets its own reply", async () => {
      const a = await repServer("A")
      const b = await repServer("B")
      const c = await repServer("C")
      const client = keep(new FreelanceShotgunClient())
      for (const s of [a, b, c]) client.connect(s.endpoint)
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) => client.request(`r${i}`)),
      )
      for (const [i, [reply]] of replies.entries()) {
        assert.match(String(reply), new RegExp(`^r${i} by [ABC]$`))
      }
      while (log.ofType("stale-reply").length < 20) await log.next("stale-reply")
      assert.deepEqual([a.served, b.served, c.served], [10, 10, 10])
    })

    it("no server answering within the timeout (2.5 s): EAGAIN", async () => {
      const clock = new ManualClock()
      const silent = await routerServer(() => null)
      const client = keep(new FreelanceShotgunClient({ clock }))
      client.connect(silent.endpoint)
      const reply = client.request("anyone?")
      await silent.received(1)
      clock.advance(2_499)
      assert.equal(log.ofType("abandon").length, 0)
      clock.advance(1)
      await assert.rejects(reply, isCode("EAGAIN"))
      assert.deepEqual(log.ofType("abandon"), [
        { type: "abandon", model: 2, sequence: 1, servers: 1 },
      ])
    })

    it('a reply that is not ["", sequence, …] is reported and dropped', async () => {
      const socket = keep(new Router({ linger: 0 }))
      await socket.bind("tcp://127.0.0.1:*")
      const client = keep(new FreelanceShotgunClient())
      client.connect(socket.lastEndpoint!)
      const reply = client.request("x")
      const [id, , sequence] = await socket.receive()
      const malformed = log.next("malformed")
      await socket.send([id!, "no delimiter"])
      assert.deepEqual(await malformed, { type: "malformed", model: 2 })
      await socket.send([id!, "", sequence!, "fine"])
      assert.deepEqual((await reply).map(String), ["fine"])
    })

    it("FreelanceServer serves it when its handler keeps the first frame (the sequence) first, as an echo does", async () => {
      const server = keep(await FreelanceServer.bind("tcp://127.0.0.1:*", (body) => body))
      const client = keep(new FreelanceShotgunClient())
      client.connect(server.endpoint)
      assert.deepEqual((await client.request(["hello", "x"])).map(String), ["hello", "x"])
    })

    it("a request before any connect() is refused", async () => {
      const client = keep(new FreelanceShotgunClient())
      await assert.rejects(client.request("x"), isCode("EINVAL"))
    })
  })

  describe("examples", () => {
    /** Starts flserver.js on a free port; resolves with its endpoint and process. */
    async function flserver() {
      const child = spawn(process.execPath, [`${patterns}flserver.js`, "tcp://127.0.0.1:0"], {
        stdio: ["ignore", "pipe", "ignore"],
      })
      let output = ""
      const endpoint = await new Promise<string>((resolve, reject) => {
        child.stdout!.on("data", (chunk: Buffer) => {
          output += String(chunk)
          const found = /freelance server on (\S+)/.exec(output)
          if (found) resolve(found[1]!)
        })
        child.once("exit", () => reject(new Error(`flserver.js exited:\n${output}`)))
      })
      return { child, endpoint }
    }

    function run(name: string, ...args: string[]): Promise<string> {
      return new Promise((resolve, reject) => {
        execFile(
          process.execPath,
          [`${patterns}${name}`, ...args],
          { timeout: 20_000 },
          (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout}`)) : resolve(stdout)),
        )
      })
    }

    it("flclient1.js and flclient2.js against two flserver.js, the first stopped: every reply matched", async () => {
      const [stopped, live] = await Promise.all([flserver(), flserver()])
      try {
        await new Promise((resolve) => {
          stopped.child.once("exit", resolve)
          stopped.child.kill()
        })
        const one = await run("flclient1.js", "--count", "2", stopped.endpoint, live.endpoint)
        assert.match(one, /2 of 2 replies matched/)
        assert.equal(one.match(/I: retry/g)?.length, 2, "one timeout on the stopped server each")
        const two = await run("flclient2.js", "--count", "50", stopped.endpoint, live.endpoint)
        assert.match(two, /50 of 50 replies matched/)
        assert.doesNotMatch(two, /abandon/)
      } finally {
        stopped.child.kill()
        live.child.kill()
      }
    })

    it("flclient2.js against two live flserver.js: every reply matched, the later ones dropped", async () => {
      const servers = await Promise.all([flserver(), flserver()])
      try {
        const out = await run("flclient2.js", ...servers.map((s) => s.endpoint))
        assert.match(out, /10 of 10 replies matched/)
        assert.match(out, /average round trip [\d.]+ ms, \d+ later replies dropped/)
      } finally {
        for (const s of servers) s.child.kill()
      }
    })
  })
})
