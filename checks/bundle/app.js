// A small app bundled by checks/bundle.test.js: a PUSH/PULL round over tcp, with the IO threads
// given in argv[2] (0: connections on this thread, the way to ship one file).
import { Context, Pull, Push } from "omq"

const context = new Context({ ioThreads: Number(process.argv[2]) })
const pull = new Pull({ context, linger: 0 })
await pull.bind("tcp://127.0.0.1:*")
const push = new Push({ context, linger: 0 })
push.connect(pull.lastEndpoint)
await push.send(["bundled", "app"])
console.log((await pull.receive()).map(String).join(" "))
push.close()
pull.close()
await context.terminate()
