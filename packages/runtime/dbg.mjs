import { Pull, Context } from "omq"
import { createServer } from "node:net"
const taken = createServer(); await new Promise((r) => taken.listen(0, "127.0.0.1", r))
const port = taken.address().port
const ctx = new Context({ ioThreads: 1 })
const pull = new Pull({ context: ctx, linger: 0 })
const ev = pull.events
try { await pull.bind(`tcp://127.0.0.1:${port}`) } catch (e) { console.log("rejected", e.code, e.constructor.name) }
const t = setTimeout(() => { console.log("no event"); pull.close() }, 1000)
console.log(await ev.receive()); clearTimeout(t)
pull.close(); await ctx.terminate(); taken.close()
