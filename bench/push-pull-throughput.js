// PUSH -> PULL throughput over tcp, sender and receiver in separate processes, the sender
// awaiting each send(). Compares omq (ioThreads 0 and 1) with zeromq.js in the same run.
//
//   node bench/push-pull-throughput.js [--runs 3] [--sizes 64,1024,65536,1048576] [--try-send]
//                                      [--zero-copy] [--curve] [--transport tcp|ws] [--count N]
//
// --count: messages per measurement for every row (default: a count per size, see COUNTS).
//
// --transport ws: over ws:// (ZWS 2.0; zeromq.js 6.8 has ws, not wss).
// --try-send: omq's senders call trySend() and await send() only when it returns false (no
// promise per message); zeromq.js, which has no trySend, still awaits each send().
// --zero-copy: omq's senders send zeroCopy(payload) (written from the payload's own memory with
// ioThreads 0, as zeromq.js writes every Buffer over 128 bytes).
// --curve: every size over CURVE (the PULL is the CURVE server; keys made by the parent, see
// curve-keys.js), default sizes 64,1024,65536 with fewer messages, and one NULL row at 1 KiB
// measured in the same run for reference (`node bench/curve-throughput.js` runs this).
//
// Prints one table: messages/s and MB/s per library, the median of --runs runs each, and the
// ratio of each omq column to zeromq.js.
import { benchArgs, exited, median, message, openLib, startPair } from "./child-processes.js"
import { curveOptions, newCurveKeys } from "./curve-keys.js"

const LIBS = ["omq-io0", "omq-io1", "zeromq"]
const COUNTS = { 64: 300_000, 1024: 150_000, 65536: 8_000, 1048576: 600 }
const CURVE_COUNTS = { 64: 100_000, 1024: 60_000, 65536: 2_000 }

/** Child: the receiving side. Binds, reports its endpoint, times the messages, reports. */
async function receiver(lib, size, count, keys, transport) {
  const { Pull, opts, done } = await openLib(lib)
  const pull = new Pull({ ...opts, ...curveOptions(keys, "server") })
  await pull.bind(`${transport}://127.0.0.1:*`)
  process.send({ endpoint: pull.lastEndpoint })
  let first = 0
  for (let i = 0; i < count; i++) {
    const [frame] = await pull.receive()
    if (i === 0) first = performance.now()
    if (frame.length !== size) throw new Error(`bad size ${frame.length}`)
  }
  const seconds = (performance.now() - first) / 1000
  process.send({ rate: (count - 1) / seconds })
  pull.close()
  await done()
}

/** Child: the sending side. */
async function sender(lib, size, count, endpoint, trySend, keys, zeroCopy) {
  const { Push, opts, done, ...api } = await openLib(lib)
  const push = new Push({ ...opts, ...curveOptions(keys, "client") })
  push.connect(endpoint)
  const bytes = Buffer.alloc(size, 7)
  // zeroCopy's mark holds for one send(): given up again for each.
  const payload = zeroCopy && lib !== "zeromq" ? () => api.zeroCopy(bytes) : () => bytes
  if (trySend && lib !== "zeromq") {
    for (let i = 0; i < count; i++) if (!push.trySend(payload())) await push.send(payload())
  } else {
    for (let i = 0; i < count; i++) await push.send(payload())
  }
  push.close()
  await done()
}

async function measure(lib, size, count, trySend, keys, transport, zeroCopy) {
  const params = {
    size,
    count,
    send: trySend ? "try" : "await",
    given: zeroCopy ? "yes" : "no", // the children's form of --zero-copy
    transport,
    ...(keys ? { keys } : {}),
  }
  const [recv, send] = await startPair(import.meta.url, lib, "recv", "send", params)
  const { rate } = await message(recv, (m) => m.rate)
  await Promise.all([exited(recv), exited(send)])
  return rate
}

function fmt(rate, size) {
  const mbs = (rate * size) / 1e6
  return rate >= 1000
    ? `${(rate / 1000).toFixed(0)}k/s ${mbs.toFixed(0)}MB/s`
    : `${rate.toFixed(0)}/s ${mbs.toFixed(0)}MB/s`
}

async function main() {
  const values = benchArgs({
    size: { type: "string" },
    count: { type: "string" },
    sizes: { type: "string" },
    "try-send": { type: "boolean", default: false },
    send: { type: "string", default: "await" },
    "zero-copy": { type: "boolean", default: false },
    given: { type: "string", default: "no" },
    curve: { type: "boolean", default: false },
    keys: { type: "string" },
    transport: { type: "string", default: "tcp" },
  })
  const transport = values.transport
  if (values.role === "recv")
    return receiver(values.lib, Number(values.size), Number(values.count), values.keys, transport)
  if (values.role === "send")
    return sender(
      values.lib,
      Number(values.size),
      Number(values.count),
      values.endpoint,
      values.send === "try",
      values.keys,
      values.given === "yes",
    )

  const runs = Number(values.runs)
  const curve = values.curve
  const zeroCopyArg = values["zero-copy"]
  const sizes = (values.sizes ?? (curve ? "64,1024,65536" : Object.keys(COUNTS).join(",")))
    .split(",")
    .map(Number)
  // The rows: each size, over CURVE with --curve; then, with --curve, NULL at 1 KiB.
  const cases = sizes.map((size) => ({ size, curve }))
  if (curve) cases.push({ size: 1024, curve: false })
  const rows = []
  for (const { size, curve: secure } of cases) {
    const counts = secure ? CURVE_COUNTS : COUNTS
    const count = values.count
      ? Number(values.count)
      : (counts[size] ?? Math.max(500, Math.floor(200_000_000 / size / (secure ? 40 : 10))))
    const rates = {}
    for (const lib of LIBS) rates[lib] = []
    // Interleave libraries run by run so that machine noise hits them alike. Each measurement
    // of a CURVE row gets fresh keys.
    for (let r = 0; r < runs; r++)
      for (const lib of LIBS) {
        const keys = secure ? newCurveKeys() : ""
        rates[lib].push(
          await measure(lib, size, count, values["try-send"], keys, transport, zeroCopyArg),
        )
      }
    const m = Object.fromEntries(LIBS.map((lib) => [lib, median(rates[lib])]))
    const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`
    rows.push({
      size: curve ? `${secure ? "CURVE" : "NULL"} ${label}` : label,
      "omq io0": fmt(m["omq-io0"], size),
      "omq io1": fmt(m["omq-io1"], size),
      "zeromq.js": fmt(m.zeromq, size),
      "io0 / zmq": (m["omq-io0"] / m.zeromq).toFixed(2),
      "io1 / zmq": (m["omq-io1"] / m.zeromq).toFixed(2),
    })
    console.error(`size ${size}: done`)
  }
  const how =
    (values["try-send"] ? "omq senders use trySend" : "sender awaits each send") +
    (zeroCopyArg ? ", omq senders give their payload up (zeroCopy)" : "")
  const what = curve
    ? `PUSH->PULL ${transport} throughput over CURVE (NULL for reference)`
    : `PUSH->PULL ${transport} throughput`
  console.log(`${what}, median of ${runs} runs, ${how}`)
  console.table(rows)
}

await main()
