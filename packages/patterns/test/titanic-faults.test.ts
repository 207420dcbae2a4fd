// Titanic's promise under a crash: a server process (test/fixtures/titanic-process.js) is
// SIGKILLed right after acknowledging requests, some answered, some in flight, some for a
// service nobody offers yet. A new process over the same directory must answer every request
// that was acknowledged with 200. Real processes, real tcp, real files, the real clock (the
// broker takes the dead workers for gone after 3 heartbeats of HEARTBEAT ms).
import { strict as assert } from "node:assert"
import { type ChildProcess, execFile } from "node:child_process"
import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, it } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import { MajordomoBroker, type MajordomoEvent, MajordomoWorker, TitanicClient } from "../src/mod.js"
import { EventLog } from "./event-log.js"

const HEARTBEAT = 250
const RETRY = 200
const fixture = fileURLToPath(new URL("./fixtures/titanic-process.js", import.meta.url))

describe("Titanic under SIGKILL", { timeout: 30_000 }, () => {
  it("every request acknowledged before the kill is answered by the restarted server", async () => {
    const directory = await mkdtemp(join(tmpdir(), "omq-titanic-kill-"))
    const log = new EventLog<MajordomoEvent>("omq:patterns:majordomo")
    log.start()
    const closers: Array<() => unknown> = []
    try {
      const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", { heartbeat: HEARTBEAT })
      closers.push(() => broker.close())
      const endpoint = broker.socket.lastEndpoint!
      const titanicEvents = (type: MajordomoEvent["type"]) =>
        log.events.filter(
          (e) => e.type === type && "service" in e && e.service.startsWith("titanic."),
        )
      /** Resolves once the broker has published `count` such events in all. */
      const until = async (type: MajordomoEvent["type"], count: number) => {
        while (titanicEvents(type).length < count) await log.next(type)
      }
      const start = (): ChildProcess => {
        const child = execFile(process.execPath, [
          fixture,
          endpoint,
          directory,
          `${HEARTBEAT}`,
          `${RETRY}`,
        ])
        closers.push(() => stop(child))
        return child
      }
      const worker = (service: string) => {
        const w = new MajordomoWorker(endpoint, service, (body) => ["re", ...body], {
          heartbeat: HEARTBEAT,
        })
        closers.push(() => w.close())
      }
      worker("echo")
      const client = new TitanicClient(endpoint)
      closers.push(() => client.dispose())

      const first = start()
      await whileAlive(first, until("worker-ready", 3))
      const acknowledged = new Map<string, string>()
      const late = new Set<string>()
      const ask = async (i: number) => {
        const body = `request ${i}`
        const uuid = await client.request(i % 2 ? "late" : "echo", body)
        acknowledged.set(uuid, body)
        if (i % 2) late.add(uuid)
      }
      for (let i = 0; i < 10; i++) await ask(i)
      first.kill("SIGKILL") // right after the 10th 200: its dispatch may be in flight
      await exit(first)
      // Every acknowledged request is on disk, and the "late" ones unanswered. (There may be
      // more: a client's retry after a slow 200 stores its request twice; at least once.)
      const files = new Set(await readdir(directory))
      for (const [uuid, body] of acknowledged) {
        assert.ok(files.has(`${uuid}.request`), `${uuid} (${body}) was acknowledged`)
        if (late.has(uuid)) assert.ok(!files.has(`${uuid}.reply`))
      }
      await until("worker-expired", 3) // the broker has forgotten the dead server's workers

      const second = start()
      await whileAlive(second, until("worker-ready", 6))
      for (let i = 10; i < 20; i++) await ask(i)
      worker("late") // the service half the requests wait for comes up only now

      for (const [uuid, body] of acknowledged) {
        for (;;) {
          const reply = await client.reply(uuid)
          if (reply.status === "200") {
            assert.deepEqual(reply.body.map(String), ["re", body])
            break
          }
          assert.equal(reply.status, "300", `${uuid}: ${reply.status}`)
          await sleep(20) // another process answers: polling is all a Titanic client can do
        }
        await client.close(uuid)
      }
      assert.equal(acknowledged.size, 20)
      const left = await readdir(directory)
      for (const uuid of acknowledged.keys()) {
        assert.deepEqual(
          left.filter((f) => f.startsWith(uuid)),
          [],
          `${uuid} was closed`,
        )
      }
    } finally {
      log.stop()
      for (const close of closers.reverse()) await close()
      await rm(directory, { recursive: true, force: true })
    }
  })
})

/** Resolves when `child` has exited (at once if it has). */
function exit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once("exit", () => resolve()))
}

/** `work`, unless `child` exits first: a fixture that crashes fails the test rather than hangs it. */
async function whileAlive<T>(child: ChildProcess, work: Promise<T>): Promise<T> {
  let watching = true
  const died = exit(child).then(() => {
    if (watching) throw new Error(`titanic exited (${child.exitCode ?? child.signalCode})`)
  })
  try {
    return (await Promise.race([work, died])) as T
  } finally {
    watching = false
  }
}

async function stop(child: ChildProcess): Promise<void> {
  const gone = exit(child)
  child.kill()
  await gone
}
