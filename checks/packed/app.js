// Run by checks/tests/packed.test.js in a folder where the packed omq, @omq/transport and
// @omq/patterns are installed by npm: a message over tcp with CURVE and one IO thread (the
// transport bundle's own tweetnacl and the libsodium package), one over inproc on
// omq/draft's CLIENT and SERVER, and a Majordomo request over inproc (@omq/patterns). It exits
// on its own once its sockets are closed.

import { MajordomoBroker, MajordomoClient, MajordomoWorker } from "@omq/patterns"
import { Context, curveKeyPair, Pull, Push } from "omq"
import { Client, Server } from "omq/draft"

const context = new Context({ ioThreads: 1 })
const [serverKeys, clientKeys] = [curveKeyPair(), curveKeyPair()]
const pull = new Pull({
  context,
  linger: 0,
  curveServer: true,
  curveSecretKey: serverKeys.secretKey,
})
await pull.bind("tcp://127.0.0.1:*")
const push = new Push({
  context,
  linger: 0,
  curveServerKey: serverKeys.publicKey,
  curvePublicKey: clientKeys.publicKey,
  curveSecretKey: clientKeys.secretKey,
})
push.connect(pull.lastEndpoint)
await push.send(["over", "tcp", "with", "CURVE"])
console.log((await pull.receive()).map(String).join(" "))
push.close()
pull.close()
await context.terminate()

const server = new Server({ linger: 0 })
await server.bind("inproc://packed")
const client = new Client({ linger: 0 })
client.connect("inproc://packed")
await client.send("over inproc")
const [request, { routingId }] = await server.receive()
await server.send(`${request} (draft)`, { routingId })
console.log(String((await client.receive())[0]))
client.close()
server.close()

const broker = await MajordomoBroker.bind("inproc://packed-broker")
const worker = new MajordomoWorker("inproc://packed-broker", "echo", (body) => body)
const mdp = new MajordomoClient("inproc://packed-broker")
console.log(String((await mdp.request("echo", "majordomo"))[0]))
mdp.close()
await worker.drain()
broker.close()
