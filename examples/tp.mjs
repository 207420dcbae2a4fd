import { Context, Pull, Push } from "omq"

const [role, io, sz, n, port] = process.argv.slice(2)
const context = new Context({ ioThreads: Number(io) })
const N = Number(n),
  SZ = Number(sz)
if (role === "recv") {
  const pull = new Pull({ context })
  await pull.bind("tcp://127.0.0.1:" + port)
  let t0
  for (let i = 0; i < N; i++) {
    const [f] = await pull.receive()
    if (f.length !== SZ) throw new Error("size")
    if (i === 0) t0 = performance.now()
  }
  const s = (performance.now() - t0) / 1000
  console.log(`recv io${io}: ${((N - 1) / s) | 0} msg/s ${(((N - 1) * SZ) / s / 1e6) | 0} MB/s`)
  pull.close()
} else {
  const push = new Push({ context })
  push.connect("tcp://127.0.0.1:" + port)
  const payload = Buffer.alloc(SZ, 7)
  for (let i = 0; i < N; i++) await push.send(payload)
  push.close()
}
await context.terminate()
