// libzmq's side of the cross-runtime interop check, always run on Node (the `zeromq` addon
// does not load on Bun, and crashes under Deno). Binds a REP (tcp), a CURVE PULL (tcp) and a
// ROUTER (ws), prints their endpoints as one JSON line, then serves: three requests on the REP,
// one message on the PULL, one echo on the ROUTER, and one request of its own to the omq REP
// at argv[2]. Prints what it got and exits 0 once all are done.
//
//   node libzmq-peer.js <omq REP endpoint> <CURVE server public key> <CURVE server secret key>
import * as zmq from "zeromq"

const [omqReply, serverPublic, serverSecret] = process.argv.slice(2)
const rep = new zmq.Reply({ linger: 0 })
await rep.bind("tcp://127.0.0.1:*")
const pull = new zmq.Pull({ linger: 0, curveServer: true, curveSecretKey: serverSecret })
await pull.bind("tcp://127.0.0.1:*")
const router = new zmq.Router({ linger: 0 })
await router.bind("ws://127.0.0.1:*/smoke")
console.log(
  JSON.stringify({ rep: rep.lastEndpoint, pull: pull.lastEndpoint, router: router.lastEndpoint }),
)

const served = async () => {
  for (let i = 0; i < 3; i++) {
    const [request] = await rep.receive()
    await rep.send(`${request} back`)
  }
}
const pulled = async () => console.log(`pull: ${(await pull.receive()).map(String).join("|")}`)
const echoed = async () => {
  const [id, ...body] = await router.receive()
  await router.send([id, ...body, "echoed"])
}
const asked = async () => {
  const req = new zmq.Request({ linger: 0 })
  req.connect(omqReply)
  await req.send("from libzmq")
  console.log(`req: ${String((await req.receive())[0])}`)
  req.close()
}
await Promise.all([served(), pulled(), echoed(), asked()])
console.log(`done; server key ${serverPublic.length} characters`)
for (const s of [rep, pull, router]) s.close()
