// CPU time per message of omq's PUSH -> PULL over tcp, each side in its own process, the sender
// awaiting each send() (as push-pull-throughput.js). CPU is process.cpuUsage() (every thread of
// the process, user + system) between each side's first and last message, so start-up is left
// out; steadier than messages/s on a shared machine. CURVE unless --null.
//
//   node bench/push-pull-cpu.js [--lib omq-io0|omq-io1] [--size 1024] [--count 60000] [--runs 3]
//                               [--null] [--root /path/to/another/worktree]
//
// --root: measure the omq built in another checkout (its packages/runtime/dist), to compare two
// builds on the same machine in the same hour.
import { readFileSync } from "node:fs"
import { benchArgs, child, exited, median, message } from "./child-processes.js"
import { curveOptions } from "./curve-keys.js"

const values = benchArgs({
  size: { type: "string", default: "1024" },
  count: { type: "string", default: "60000" },
  null: { type: "boolean", default: false },
  keys: { type: "string", default: "" },
  root: { type: "string", default: "" },
})
const size = Number(values.size)
const count = Number(values.count)
const lib = values.lib ?? "omq-io0"
const omq = await import(values.root ? `${values.root}/packages/runtime/dist/src/mod.js` : "omq")

const cpuNow = () => {
  const { user, system } = process.cpuUsage()
  return user + system
}
/** System calls made by this process so far (reads and writes, from /proc). */
function syscalls() {
  const io = readFileSync("/proc/self/io", "utf8")
  return Number(/syscr: (\d+)/.exec(io)[1]) + Number(/syscw: (\d+)/.exec(io)[1])
}
const newContext = () => new omq.Context({ ioThreads: lib === "omq-io0" ? 0 : 1 })

async function receiver() {
  const context = newContext()
  const pull = new omq.Pull({ context, ...curveOptions(values.keys, "server") })
  await pull.bind("tcp://127.0.0.1:*")
  process.send({ endpoint: pull.lastEndpoint })
  let started = 0
  let cpu = 0
  let calls = 0
  for (let i = 0; i < count; i++) {
    const [frame] = await pull.receive()
    if (i === 0) [started, cpu, calls] = [performance.now(), cpuNow(), syscalls()]
    if (frame.length !== size) throw new Error(`bad size ${frame.length}`)
  }
  const n = count - 1
  const rate = n / ((performance.now() - started) / 1000)
  process.send({ rate, cpu: (cpuNow() - cpu) / n, calls: (syscalls() - calls) / n })
  pull.close()
  await context.closeSocketsAndTerminate()
}

async function sender() {
  const context = newContext()
  const push = new omq.Push({ context, ...curveOptions(values.keys, "client") })
  push.connect(values.endpoint)
  const bytes = Buffer.alloc(size, 7)
  await push.send(bytes)
  const [cpu, calls] = [cpuNow(), syscalls()]
  for (let i = 1; i < count; i++) await push.send(bytes)
  const n = count - 1
  process.send({ cpu: (cpuNow() - cpu) / n, calls: (syscalls() - calls) / n })
  push.close()
  await context.closeSocketsAndTerminate()
}

async function main() {
  const runs = { rate: [], recv: [], send: [], recvCalls: [], sendCalls: [] }
  for (let r = 0; r < Number(values.runs); r++) {
    const keys = values.null
      ? ""
      : JSON.stringify({ server: omq.curveKeyPair(), client: omq.curveKeyPair() })
    const args = ["--lib", lib, "--size", values.size, "--count", values.count, "--keys", keys]
    if (values.root) args.push("--root", values.root)
    const recv = child(import.meta.url, [...args, "--role", "recv"])
    const { endpoint } = await message(recv, (m) => m.endpoint)
    const send = child(import.meta.url, [...args, "--role", "send", "--endpoint", endpoint])
    const [got, sent] = await Promise.all([
      message(recv, (m) => m.rate),
      message(send, (m) => m.cpu),
    ])
    runs.rate.push(got.rate)
    runs.recv.push(got.cpu)
    runs.send.push(sent.cpu)
    runs.recvCalls.push(got.calls)
    runs.sendCalls.push(sent.calls)
    await Promise.all([exited(recv), exited(send)])
  }
  const us = (xs) => `${median(xs).toFixed(2)} µs (${xs.map((x) => x.toFixed(2)).join(", ")})`
  const what = `${lib} ${values.null ? "NULL" : "CURVE"} ${size} B${values.root ? ` [${values.root}]` : ""}`
  console.log(`${what}: ${(median(runs.rate) / 1000).toFixed(0)} k/s`)
  console.log(`  CPU per message: receiver ${us(runs.recv)}, sender ${us(runs.send)}`)
  console.log(
    `  syscalls per message: receiver ${median(runs.recvCalls).toFixed(2)}, sender ${median(runs.sendCalls).toFixed(2)}`,
  )
}

if (values.role === "recv") await receiver()
else if (values.role === "send") await sender()
else await main()
