// The network cut under the patterns' examples (examples/patterns/*.js, each its own process):
// broker or queue on host A, worker on host B, client on A, the hosts two network namespaces
// (test/netns.ts). A partition drops every packet on B's link (nft) or sets it down; TCP notices
// neither for minutes, so what detects it is the patterns' heartbeats. Loss is nft's
// `numgen random mod 100 lt 5 drop` both ways. The examples run with their defaults (Paranoid
// Pirate: 1 s × 3 heartbeats; Majordomo: 2.5 s × 3; clients: 2.5 s × 4 attempts).
//
// Needs root, iproute2 and nftables (CI has them): without, the tests fail and say so.
import { strict as assert } from "node:assert"
import { after, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { type HostProcess, NetLab } from "./netns.js"

const example = (name: string) =>
  fileURLToPath(new URL(`../../../../examples/patterns/${name}.js`, import.meta.url))

describe("patterns across a faulty network (namespaces, nft)", () => {
  // Made by the first test, so that without root each test fails (rather than is cancelled).
  let made: Promise<NetLab> | undefined
  const network = () => (made ??= NetLab.create())
  after(async () => {
    await (await made?.catch(() => undefined))?.destroy()
  })

  /** Lines saying a request `n` was answered, in the order printed. */
  const sequence = (proc: HostProcess, pattern: RegExp, from = 0): number[] =>
    proc.lines.slice(from).flatMap((line) => {
      const found = pattern.exec(line)
      return found ? [Number(found[1])] : []
    })
  const ms = (n: number) => `${Math.round(n)} ms`
  const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

  it("Paranoid Pirate: B cut off (nft drop) → the queue expires the worker; healed → it is back, every request answered once", async (t) => {
    const lab = await network()
    const queue = lab.node(
      lab.a,
      example("ppqueue"),
      `tcp://${lab.a.address}:0`,
      `tcp://${lab.a.address}:0`,
    )
    const [, frontend, backend] = await queue.waitFor(
      /queue on (\S+) \(clients\), (\S+) \(workers\)/,
    )
    const worker = lab.node(lab.b, example("ppworker"), backend!)
    await queue.waitFor(/worker-ready/)
    const before = lab.node(lab.a, example("lpclient"), frontend!, "3")
    assert.equal(await before.exited, 0)
    assert.equal(queue.count(/worker-expired/), 0)

    const cut = queue.mark
    await lab.partition(lab.b)
    const cutAt = performance.now()
    await queue.waitFor(/worker-expired/, cut)
    const expiredAt = performance.now()
    // A client asks while B is still cut off: its first attempt goes unanswered (a retry line).
    const count = 10
    const served = worker.mark
    const client = lab.node(lab.a, example("lpclient"), frontend!, String(count))
    await client.waitFor(/I: retry/)
    assert.ok((await lab.dropped(lab.b)) > 0, "the partition dropped packets")
    const healed = queue.mark
    await lab.heal(lab.b)
    const healedAt = performance.now()
    await queue.waitFor(/worker-ready/, healed)
    t.diagnostic(
      `expired ${ms(expiredAt - cutAt)} after the cut; back ${ms(performance.now() - healedAt)} ` +
        `after the heal, ${ms(performance.now() - expiredAt)} after the client started`,
    )

    assert.equal(await client.exited, 0, client.lines.join("\n"))
    assert.equal(client.count(new RegExp(`^${count} of ${count} replies matched`)), 1)
    // Each request answered once, in order: a retry's late twin never reached the client.
    assert.deepEqual(sequence(client, /server replied OK \((\d+)\)/), oneToN(count))
    // The worker served every request; twice at most for those retried (an abandoned attempt
    // may still be queued when it comes back), never more.
    const answers = sequence(worker, /normal reply \((\d+)\)/, served)
    const retries = client.count(/I: retry/)
    for (const n of oneToN(count)) assert.ok(answers.includes(n), `request ${n} was served`)
    assert.ok(answers.length <= count + retries, `served ${answers.length}, ${retries} retries`)
    await Promise.all([queue.kill(), worker.kill()])
  })

  it("Majordomo: 5% packet loss both ways on B's link → every reply matched", async (t) => {
    const lab = await network()
    const broker = lab.node(lab.a, example("mdbroker"), `tcp://${lab.a.address}:0`)
    const [, endpoint] = await broker.waitFor(/broker on (\S+)/)
    const worker = lab.node(lab.b, example("mdworker"), endpoint!, "echo")
    await broker.waitFor(/worker-ready/)
    await lab.loss(lab.b, 5)
    const count = 200
    const started = performance.now()
    const client = lab.node(lab.a, example("mdclient"), endpoint!, "echo", String(count))
    assert.equal(await client.exited, 0, client.lines.join("\n"))
    const dropped = await lab.dropped(lab.b)
    t.diagnostic(
      `${count} requests in ${ms(performance.now() - started)}, ${dropped} packets dropped`,
    )
    await lab.heal(lab.b)
    assert.equal(client.count(/mmi\.service echo: 200/), 1)
    assert.equal(client.count(new RegExp(`^${count} of ${count} replies matched`)), 1)
    assert.ok(dropped > 0, "the loss rule dropped packets")
    assert.equal(broker.count(/worker-expired/), 0)
    assert.deepEqual(
      sequence(worker, /echo request \(hello (\d+)\)/).filter((n, i, all) => all.indexOf(n) === i),
      oneToN(count),
    )
    await Promise.all([broker.kill(), worker.kill()])
  })

  it("Majordomo: B's link down → the broker expires the worker; up → it comes back and answers", async (t) => {
    const lab = await network()
    const broker = lab.node(lab.a, example("mdbroker"), `tcp://${lab.a.address}:0`)
    const [, endpoint] = await broker.waitFor(/broker on (\S+)/)
    const worker = lab.node(lab.b, example("mdworker"), endpoint!, "echo")
    await broker.waitFor(/worker-ready/)

    const cut = broker.mark
    await lab.link(lab.b, "down")
    const cutAt = performance.now()
    await broker.waitFor(/worker-expired/, cut)
    const expiredAt = performance.now()
    const count = 5
    const client = lab.node(lab.a, example("mdclient"), endpoint!, "echo", String(count))
    await client.waitFor(/I: retry/)
    const healed = broker.mark
    await lab.link(lab.b, "up")
    const healedAt = performance.now()
    await broker.waitFor(/worker-ready/, healed)
    t.diagnostic(
      `expired ${ms(expiredAt - cutAt)} after the cut; back ${ms(performance.now() - healedAt)} ` +
        `after the heal, ${ms(performance.now() - expiredAt)} after the client started`,
    )

    assert.equal(await client.exited, 0, client.lines.join("\n"))
    assert.equal(client.count(new RegExp(`^${count} of ${count} replies matched`)), 1)
    await worker.waitFor(/broker-lost/) // the worker saw the broker go silent too
    await Promise.all([broker.kill(), worker.kill()])
  })
})
