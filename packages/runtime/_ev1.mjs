// Compare socket.events between omq and zeromq.js for several scenarios.
const which = process.argv[2]
const scen = process.argv[3]
const lib = which === "zmq" ? await import("zeromq") : await import("omq")
const ctxOpt = which === "omq" && process.env.IO0 ? { context: new lib.Context({ ioThreads: 0 }) } : {}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const t0 = Date.now()
function watch(name, sock) {
  const ev = sock.events
  const out = []
  ;(async () => {
    try {
      for await (const e of ev) {
        const c = { ...e }
        if (c.error) c.error = `${c.error.code}`
        if (c.interval !== undefined) c.interval = "N"
        console.log(name, JSON.stringify(c))
      }
      console.log(name, "<iter done>")
    } catch (err) {
      console.log(name, "iter threw", err.code, err.message)
    }
  })()
}
const ep = (t) => (t === "ipc" ? `ipc:///tmp/rev/sock-${process.pid}` : `tcp://127.0.0.1:${40000 + (process.pid % 20000)}`)
const base = { linger: 0, reconnectInterval: 50, ...ctxOpt }
if (scen === "basic" || scen === "basicipc") {
  const e = ep(scen === "basicipc" ? "ipc" : "tcp")
  const a = new lib.Router(base)
  watch("A", a)
  await a.bind(e)
  const b = new lib.Dealer(base)
  watch("B", b)
  b.connect(e)
  await sleep(200)
  console.log("-- close B")
  b.close()
  await sleep(200)
  console.log("-- close A")
  a.close()
  await sleep(300)
} else if (scen === "closebind") {
  const e = ep("tcp")
  const a = new lib.Router(base)
  watch("A", a)
  await a.bind(e)
  const b = new lib.Dealer(base)
  watch("B", b)
  b.connect(e)
  await sleep(200)
  console.log("-- close A (bind side)")
  a.close()
  await sleep(200)
  console.log("-- close B")
  b.close()
  await sleep(300)
} else if (scen === "refused") {
  const e = ep("tcp")
  const b = new lib.Dealer({ ...base, reconnectInterval: 100 })
  watch("B", b)
  b.connect(e)
  await sleep(250)
  console.log("-- close B")
  b.close()
  await sleep(200)
} else if (scen === "incompat") {
  const e = ep("tcp")
  const a = new lib.Push(base)
  watch("A", a)
  await a.bind(e)
  const b = new lib.Push({ ...base, reconnectInterval: 1000 })
  watch("B", b)
  b.connect(e)
  await sleep(300)
  console.log("-- close")
  b.close(); a.close()
  await sleep(200)
} else if (scen === "unbind") {
  const e = ep("tcp")
  const a = new lib.Router(base)
  watch("A", a)
  await a.bind(e)
  const b = new lib.Dealer(base)
  b.connect(e)
  await sleep(200)
  console.log("-- unbind A")
  await a.unbind(e)
  await sleep(200)
  console.log("-- close")
  a.close(); b.close()
  await sleep(200)
} else if (scen === "disconnect") {
  const e = ep("tcp")
  const a = new lib.Router(base)
  await a.bind(e)
  const b = new lib.Dealer(base)
  watch("B", b)
  b.connect(e)
  await sleep(200)
  console.log("-- disconnect B")
  b.disconnect(e)
  await sleep(200)
  console.log("-- close")
  a.close(); b.close()
  await sleep(200)
}
console.log("exit")
