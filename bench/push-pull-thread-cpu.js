// Where a PUSH -> PULL stream's CPU goes, thread by thread: CPU per message of each process's
// main thread, its busiest other thread (the IO thread: omq's worker with ioThreads 1,
// libzmq's with zeromq.js) and all the rest (V8's compiler and GC helpers, libuv's pool), for
// omq (ioThreads 0 and 1) and zeromq.js, sender and receiver in separate processes over tcp.
//
//   node bench/push-pull-thread-cpu.js [--runs 3] [--size 65536] [--count 20000]
//
// On 2 vCPUs the four busy threads of an ioThreads-1 pair share two CPUs: the total CPU per
// message bounds the rate however well the threads overlap, so it says more than the wall rate
// when comparing builds (issue 8's large messages with one IO thread). Each child measures
// itself from /proc/self/task/<tid>/schedstat, from its first message to its last.
import {
  benchArgs,
  exited,
  median,
  message,
  openLib,
  startPair,
  threadCpu,
} from "./child-processes.js"

const LIBS = ["omq-io0", "omq-io1", "zeromq"]
/** --fresh: the payloads cycled through, each refilled before it is sent. */
const FRESH_BUFFERS = 256

/** This process's CPU since `before`, per message: main, busiest other thread, rest (µs). */
function cpuSince(before, count) {
  const rows = [...threadCpu()].map(([tid, [ns]]) => ({
    tid,
    us: (ns - (before.get(tid)?.[0] ?? 0)) / 1e3 / count,
  }))
  const main = rows.find((r) => r.tid === process.pid)?.us ?? 0
  const others = rows.filter((r) => r.tid !== process.pid).sort((a, b) => b.us - a.us)
  const rest = others.slice(1).reduce((sum, r) => sum + r.us, 0)
  return { main, io: others[0]?.us ?? 0, rest }
}

/** Child: binds, receives `count` messages, reports its rate and CPU per message. */
async function receiver(lib, size, count) {
  const { Pull, opts, done } = await openLib(lib)
  const pull = new Pull(opts)
  await pull.bind("tcp://127.0.0.1:*")
  process.send({ endpoint: pull.lastEndpoint })
  let [frame] = await pull.receive()
  const before = threadCpu()
  const first = performance.now()
  for (let i = 1; i < count; i++) {
    ;[frame] = await pull.receive()
    if (frame.length !== size) throw new Error(`bad size ${frame.length}`)
  }
  const seconds = (performance.now() - first) / 1000
  process.send({ rate: (count - 1) / seconds, cpu: cpuSince(before, count - 1) })
  pull.close()
  await done()
}

/** Child: connects, sends `count` messages (awaiting each send), reports its CPU per message. */
async function sender(lib, size, count, endpoint, fresh) {
  const { Push, opts, done } = await openLib(lib)
  const push = new Push(opts)
  push.connect(endpoint)
  const payloads = Array.from({ length: fresh ? FRESH_BUFFERS : 1 }, () => Buffer.alloc(size, 7))
  const next = fresh ? (i) => payloads[i % FRESH_BUFFERS].fill(i & 0xff) : () => payloads[0]
  await push.send(next(0))
  const before = threadCpu()
  for (let i = 1; i < count; i++) await push.send(next(i))
  process.send({ cpu: cpuSince(before, count - 1) })
  push.close()
  await done()
}

async function measure(lib, size, count, fresh) {
  const [recv, send] = await startPair(import.meta.url, lib, "recv", "send", { size, count, fresh })
  const sent = message(send, (m) => m.cpu)
  const { rate, cpu } = await message(recv, (m) => m.rate)
  const { cpu: sendCpu } = await sent
  await Promise.all([exited(recv), exited(send)])
  return { rate, recv: cpu, send: sendCpu }
}

async function main() {
  const values = benchArgs({
    size: { type: "string", default: "65536" },
    count: { type: "string", default: "20000" },
    fresh: { type: "string", default: "no" },
  })
  const [size, count] = [Number(values.size), Number(values.count)]
  if (values.role === "recv") return receiver(values.lib, size, count)
  if (values.role === "send")
    return sender(values.lib, size, count, values.endpoint, values.fresh !== "no")
  const runs = Number(values.runs)
  const results = Object.fromEntries(LIBS.map((lib) => [lib, []]))
  // Interleaved run by run, so that the machine's noise hits the libraries alike.
  for (let r = 0; r < runs; r++)
    for (const lib of LIBS) results[lib].push(await measure(lib, size, count, values.fresh))
  const rows = LIBS.map((lib) => {
    const med = (pick) => median(results[lib].map(pick))
    const total = med((x) => sumOf(x.recv) + sumOf(x.send))
    return {
      library: lib,
      "msg/s": med((x) => x.rate).toFixed(0),
      "total µs": total.toFixed(1),
      "recv main": med((x) => x.recv.main).toFixed(1),
      "recv io": med((x) => x.recv.io).toFixed(1),
      "recv rest": med((x) => x.recv.rest).toFixed(1),
      "send main": med((x) => x.send.main).toFixed(1),
      "send io": med((x) => x.send.io).toFixed(1),
      "send rest": med((x) => x.send.rest).toFixed(1),
    }
  })
  console.log(
    `PUSH -> PULL over tcp, ${size} B x ${count}: CPU µs per message by thread, median of ${runs}` +
      " runs (io: each process's busiest thread but its main one)",
  )
  console.table(rows)
}

const sumOf = (cpu) => cpu.main + cpu.io + cpu.rest

await main()
