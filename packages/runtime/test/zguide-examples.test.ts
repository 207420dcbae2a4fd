// The zguide's chapter 1–3 examples in examples/zguide/ run as a user would run them: each a
// child process, the right peers together, endpoints the system picks (port 0) passed along
// as the examples print them. A test waits for lines, never for time, and checks that every
// process it started exits 0 with its summary. The tests run concurrently.
import assert from "node:assert/strict"
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"

const zguide = fileURLToPath(new URL("../../../../examples/zguide/", import.meta.url))
const ANY_PORT = "tcp://127.0.0.1:0"
/** Per test; each finishes in a few seconds even on two busy cores. */
const timeout = 45_000

/** One example running as a child process, its stdout read line by line. */
class Example {
  readonly name: string
  readonly child: ChildProcess
  readonly lines: string[] = []
  stderr = ""
  /** Resolves with the exit code once the process has exited and its output is all read. */
  readonly ended: Promise<number | null>
  #running = true
  readonly #watchers = new Set<(line: string) => void>()

  constructor(name: string, args: string[]) {
    this.name = name
    this.child = spawn(process.execPath, [`${zguide}${name}`, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    })
    const lines = createInterface({ input: this.child.stdout! })
    lines.on("line", (line) => {
      this.lines.push(line)
      for (const watcher of this.#watchers) watcher(line)
    })
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk
    })
    const exited = new Promise<number | null>((resolve) => {
      this.child.once("exit", (code) => {
        this.#running = false
        resolve(code)
      })
    })
    const read = new Promise((resolve) => lines.once("close", resolve))
    this.ended = Promise.all([exited, read]).then(([code]) => code)
  }

  /** The groups of the first line, printed already or later, that matches `pattern`. */
  line(pattern: RegExp): Promise<string[]> {
    return new Promise((resolve, reject) => {
      for (const line of this.lines) {
        const found = pattern.exec(line)
        if (found) return resolve(found.slice(1))
      }
      const watcher = (line: string): void => {
        const found = pattern.exec(line)
        if (!found) return
        this.#watchers.delete(watcher)
        resolve(found.slice(1))
      }
      this.#watchers.add(watcher)
      void this.ended.then(() => {
        if (!this.#watchers.delete(watcher)) return
        reject(new Error(`${this.name} ended without printing ${pattern}\n${this.transcript}`))
      })
    })
  }

  /** Waits for the process to end by itself; its output, once it exited 0. */
  async finished(): Promise<string> {
    const code = await this.ended
    assert.equal(code, 0, `${this.name} exited with ${code}\n${this.transcript}`)
    return this.lines.join("\n")
  }

  /** Interrupts it (as Ctrl-C would) and waits for it to end cleanly; its output. */
  stop(signal: NodeJS.Signals = "SIGTERM"): Promise<string> {
    this.child.kill(signal)
    return this.finished()
  }

  /** Writes a line to its stdin (Enter). */
  enter(): void {
    this.child.stdin!.end("\n")
  }

  /** Kills it if it is still running (after a failed test). */
  kill(): void {
    if (this.#running) this.child.kill("SIGKILL")
  }

  get transcript(): string {
    return `--- stdout:\n${this.lines.join("\n")}\n--- stderr:\n${this.stderr}`
  }
}

type Start = (name: string, ...args: string[]) => Example

/** Runs `body` with a `start` for examples; whatever it started and left running is killed. */
async function withExamples(body: (start: Start) => Promise<void>): Promise<void> {
  const started: Example[] = []
  try {
    await body((name, ...args) => {
      const example = new Example(name, args)
      started.push(example)
      return example
    })
  } finally {
    for (const example of started) example.kill()
  }
}

/** The numbers in `text` matched by `pattern`'s first group, everywhere. */
function numbers(text: string, pattern: RegExp): number[] {
  return [...text.matchAll(new RegExp(pattern, "g"))].map((m) => Number(m[1]))
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)

describe("examples/zguide", { concurrency: true }, () => {
  it("version.js reports the libzmq version omq follows", { timeout }, () =>
    withExamples(async (start) => {
      assert.match(await start("version.js").finished(), /Current 0MQ version is 4\.3\.5/)
    }),
  )

  it("hwclient.js against hwserver.js: three Hellos, three Worlds", { timeout }, () =>
    withExamples(async (start) => {
      const server = start("hwserver.js", ANY_PORT, "3")
      const [endpoint] = await server.line(/listening on (\S+)/)
      const client = await start("hwclient.js", endpoint!, "3").finished()
      assert.match(client, /Received World 2/)
      assert.match(client, /hwclient: 3 of 3 replies were World/)
      assert.match(await server.finished(), /hwserver: 3 requests served/)
    }),
  )

  it("wuclient.js against wuserver.js, and through wuproxy.js", { timeout }, () =>
    withExamples(async (start) => {
      const server = start("wuserver.js", ANY_PORT)
      const [publishing] = await server.line(/publishing on (\S+)/)
      const proxy = start("wuproxy.js", publishing!, ANY_PORT)
      const [proxied] = await proxy.line(/ to (\S+)$/)
      const [direct, throughProxy] = await Promise.all([
        start("wuclient.js", publishing!, "10001", "20").finished(),
        start("wuclient.js", proxied!, "10042", "20").finished(),
      ])
      assert.match(direct, /Average temperature for zipcode '10001' was -?\d+F/)
      assert.match(direct, /wuclient: 20 updates for 10001, 0 for other zip codes/)
      assert.match(throughProxy, /wuclient: 20 updates for 10042, 0 for other zip codes/)
      const proxyOut = await proxy.stop()
      const [down, up] = /wuproxy: (\d+) updates down, (\d+) subscriptions up/
        .exec(proxyOut)!
        .slice(1)
        .map(Number)
      assert.ok(down! >= 20 && up! >= 1, proxyOut)
      assert.match(await server.stop(), /wuserver: \d+ updates published/)
    }),
  )

  it("tasksink.js times a batch from taskvent.js through two taskwork.js", { timeout }, () =>
    withExamples(async (start) => {
      const sink = start("tasksink.js", ANY_PORT, "20")
      const [results] = await sink.line(/collecting results on (\S+)/)
      const ventilator = start("taskvent.js", ANY_PORT, results!, "20")
      const [tasks] = await ventilator.line(/sending tasks on (\S+)/)
      const workers = [1, 2].map(() => start("taskwork.js", tasks!, results!))
      // Enter once both are connected, as the ventilator asks (so that it deals to both; the
      // sums below hold whoever got what).
      await Promise.all(workers.map((w) => w.line(/taskwork: connected/)))
      ventilator.enter()
      assert.match(await ventilator.finished(), /Total expected cost: \d+ msec/)
      const sinkOut = await sink.finished()
      assert.match(sinkOut, /Total elapsed time: \d+ msec/)
      assert.match(sinkOut, /tasksink: 20 results/)
      // taskwork.js works until interrupted (taskwork2.js is the one that stops by itself).
      const done = await Promise.all(workers.map((w) => w.stop()))
      assert.equal(sum(done.map((out) => numbers(out, /taskwork: (\d+) tasks done/)[0]!)), 20)
    }),
  )

  it("taskvent.js, two taskwork2.js and tasksink2.js: KILL stops the workers", { timeout }, () =>
    withExamples(async (start) => {
      const sink = start("tasksink2.js", ANY_PORT, ANY_PORT, "20")
      const [results, control] = await sink.line(/collecting results on (\S+), control on (\S+)/)
      const ventilator = start("taskvent.js", ANY_PORT, results!, "20")
      const [tasks] = await ventilator.line(/sending tasks on (\S+)/)
      const workers = [1, 2].map(() => start("taskwork2.js", tasks!, results!, control!))
      await Promise.all(workers.map((w) => w.line(/taskwork2: connected/)))
      ventilator.enter()
      assert.match(await ventilator.finished(), /taskvent: 20 tasks sent/)
      assert.match(await sink.finished(), /tasksink2: 20 results, KILL sent/)
      // No signal: the workers end by themselves, on KILL.
      const done = await Promise.all(workers.map((w) => w.finished()))
      assert.equal(sum(done.map((out) => numbers(out, /taskwork2: (\d+) tasks done/)[0]!)), 20)
      for (const out of done) assert.match(out, /then KILL/)
    }),
  )

  it("msreader.js and mspoller.js read tasks and weather from one loop each", { timeout }, () =>
    withExamples(async (start) => {
      const weather = start("wuserver.js", ANY_PORT)
      const [publishing] = await weather.line(/publishing on (\S+)/)
      const names = ["msreader.js", "mspoller.js"]
      const readers = names.map(async (reader) => {
        // Each its own ventilator (and a sink that takes only the start of the batch).
        const sink = start("tasksink.js", ANY_PORT, "0")
        const [results] = await sink.line(/collecting results on (\S+)/)
        const ventilator = start("taskvent.js", ANY_PORT, results!, "3")
        const [tasks] = await ventilator.line(/sending tasks on (\S+)/)
        // A PUSH waits for a peer: the tasks go out as soon as the reader connects.
        ventilator.enter()
        const out = await start(reader, tasks!, publishing!, "3").finished()
        await ventilator.finished()
        await sink.finished()
        return out
      })
      for (const [i, out] of (await Promise.all(readers)).entries()) {
        assert.match(out, /task: \d+/)
        assert.match(out, /weather: 10001 /)
        // Exactly the ventilator's tasks; updates keep coming until the last task is in.
        const summary = /(\w+): (\d+) tasks and (\d+) weather updates/.exec(out)
        assert.equal(summary?.[1], names[i]!.replace(".js", ""), out)
        assert.ok(summary[2] === "3" && Number(summary[3]) >= 3, out)
      }
      assert.match(await weather.stop(), /wuserver: \d+ updates published/)
    }),
  )

  for (const broker of ["rrbroker.js", "msgqueue.js"]) {
    it(`two rrclient.js through ${broker} to two rrworker.js`, { timeout }, () =>
      withExamples(async (start) => {
        const queue = start(broker, ANY_PORT, ANY_PORT)
        const [frontend, backend] = await queue.line(/clients on (\S+), workers on (\S+)/)
        const workers = [1, 2].map(() => start("rrworker.js", backend!))
        const clients = await Promise.all(
          [1, 2].map(() => start("rrclient.js", frontend!, "3").finished()),
        )
        for (const out of clients) assert.match(out, /rrclient: 3 of 3 replies were World/)
        const name = broker.replace(".js", "")
        assert.match(await queue.stop(), new RegExp(`${name}: 6 requests in, 6 replies out`))
        const answered = await Promise.all(workers.map((w) => w.stop()))
        assert.equal(sum(answered.map((out) => numbers(out, /(\d+) requests answered/)[0]!)), 6)
      }),
    )
  }

  it("interrupt.js: SIGINT ends the waiting receive() and the process, cleanly", { timeout }, () =>
    withExamples(async (start) => {
      const server = start("interrupt.js", ANY_PORT)
      const [endpoint] = await server.line(/listening on ([^;\s]+)/)
      assert.match(await start("hwclient.js", endpoint!, "1").finished(), /1 of 1 replies/)
      const out = await server.stop("SIGINT")
      assert.match(out, /W: interrupt received, killing server/)
      assert.match(out, /interrupt: 1 requests answered before the interrupt/)
    }),
  )

  it("mtserver.js: two hwclient.js served by three worker threads", { timeout }, () =>
    withExamples(async (start) => {
      const server = start("mtserver.js", ANY_PORT, "3")
      const [endpoint] = await server.line(/3 worker threads on (\S+)/)
      const clients = await Promise.all(
        [1, 2].map(() => start("hwclient.js", endpoint!, "3").finished()),
      )
      for (const out of clients) assert.match(out, /hwclient: 3 of 3 replies were World/)
      const out = await server.stop()
      assert.match(out, /mtserver: 6 requests answered/)
      assert.equal(out.match(/Received request: \[Hello\]/g)?.length, 6)
    }),
  )

  it("mtrelay.js: three threads signal each other in turn", { timeout }, () =>
    withExamples(async (start) => {
      const out = await start("mtrelay.js").finished()
      assert.match(out, /Step 1 ready, signaling step 2\nStep 2 ready, signaling step 3/)
      assert.match(out, /Test successful!/)
    }),
  )

  it("syncpub.js and three syncsub.js: every subscriber gets every update", { timeout }, () =>
    withExamples(async (start) => {
      const publisher = start("syncpub.js", ANY_PORT, ANY_PORT, "3", "500")
      const [updates, sync] = await publisher.line(/publishing on (\S+), sync on (\S+)/)
      const subscribers = [1, 2, 3].map(() => start("syncsub.js", updates!, sync!))
      assert.match(await publisher.finished(), /syncpub: 500 updates to 3 subscribers/)
      for (const out of await Promise.all(subscribers.map((s) => s.finished()))) {
        assert.match(out, /Received 500 updates/)
      }
    }),
  )

  it("psenvsub.js gets only the B envelopes of psenvpub.js", { timeout }, () =>
    withExamples(async (start) => {
      const publisher = start("psenvpub.js", ANY_PORT)
      const [endpoint] = await publisher.line(/publishing on (\S+)/)
      const out = await start("psenvsub.js", endpoint!, "3").finished()
      assert.equal(out.match(/\[B\] We would like to see this/g)?.length, 3)
      assert.match(out, /psenvsub: 3 updates, 0 not B/)
      assert.match(await publisher.stop(), /psenvpub: \d+ A and \d+ B updates published/)
    }),
  )

  it("identity.js: a generated routing id, then the one REQ chose", { timeout }, () =>
    withExamples(async (start) => {
      const out = await start("identity.js").finished()
      assert.match(out, /\[005\] 00[0-9a-f]{8}\n\[000\] \n\[039\] ROUTER uses a generated/)
      assert.match(out, /\[005\] PEER2\n\[000\] \n\[033\] ROUTER uses REQ's socket identity/)
    }),
  )

  for (const example of ["rtreq.js", "rtdealer.js"]) {
    it(`${example}: fifteen tasks over three worker threads, then each fired`, { timeout }, () =>
      withExamples(async (start) => {
        const out = await start(example, "3", "15").finished()
        assert.equal(out.match(/Completed: \d+ tasks/g)?.length, 3)
        assert.equal(sum(numbers(out, /Completed: (\d+) tasks/)), 15)
        assert.match(out, /: 15 tasks done by \d of 3 workers/)
      }),
    )
  }

  it("lbbroker.js: four clients, two workers, the load-balancing broker", { timeout }, () =>
    withExamples(async (start) => {
      const out = await start("lbbroker.js", "4", "2").finished()
      assert.equal(out.match(/Client: OK/g)?.length, 4)
      assert.equal(out.match(/Worker: HELLO/g)?.length, 4)
      assert.match(out, /lbbroker: 4 clients served by \d of 2 workers/)
    }),
  )

  it("asyncsrv.js: two DEALER clients, five server workers, for a second", { timeout }, () =>
    withExamples(async (start) => {
      const out = await start("asyncsrv.js", ANY_PORT, "2", "1").finished()
      assert.match(out, /asyncsrv: 2 clients, 5 server workers/)
      assert.match(out, /[0-9A-F]{4}-[0-9A-F]{4}: request #\d+/)
      assert.match(out, /asyncsrv: 2 clients sent \d+ requests, got [1-9]\d* replies, 0 not theirs/)
    }),
  )
})
