// The zguide's Binary Star server (chapter 5): one of a primary/backup pair. The pair publish
// their states to each other every second; the active one echoes clients' requests, the passive
// one takes over when the active is gone and a client asks it (bstarcli.js). Recovery is manual:
// a restarted server comes back passive. Two actives (split brain) or two passives are fatal.
//
//   node examples/patterns/bstarsrv.js primary|backup [--frontend EP] [--state EP] [--peer EP]
//                                                     [--heartbeat MS]
//
// The guide's endpoints: primary frontend tcp://*:5001, state tcp://*:5003, peer
// tcp://localhost:5004; backup frontend tcp://*:5002, state tcp://*:5004, peer
// tcp://localhost:5003. Exits 0 when stopped (SIGINT, SIGTERM), 1 on a fatal pair state.
import { subscribe } from "node:diagnostics_channel"
import { parseArgs } from "node:util"
import { BinaryStarServer } from "@omq/patterns"

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    frontend: { type: "string" },
    state: { type: "string" },
    peer: { type: "string" },
    heartbeat: { type: "string" },
  },
})
const [role] = positionals
const guide = {
  primary: ["tcp://*:5001", "tcp://*:5003", "tcp://localhost:5004"],
  backup: ["tcp://*:5002", "tcp://*:5004", "tcp://localhost:5003"],
}
if (positionals.length !== 1 || !Object.hasOwn(guide, role ?? "")) {
  console.error("usage: bstarsrv.js primary|backup [--frontend EP] [--state EP] [--peer EP]")
  process.exit(2)
}
const [frontend, statePub, stateSub] = guide[role]
subscribe("omq:patterns:binary-star", (event) => {
  if (event.type === "state") {
    console.log(`I: ${event.role} ${event.from} -> ${event.to} (${event.event})`)
  } else if (event.type === "fatal") {
    console.log(`E: ${event.role} ${event.reason} in ${event.state}, stopping`)
  } else console.log(`I: ${event.type}`, event)
})
const server = await BinaryStarServer.start(
  {
    role,
    frontend: values.frontend ?? frontend,
    statePub: values.state ?? statePub,
    stateSub: values.peer ?? stateSub,
    ...(values.heartbeat ? { heartbeat: Number(values.heartbeat) } : {}),
  },
  (request) => request, // echo
)
console.log(
  `I: ${role} serving on ${server.frontend.lastEndpoint}, state on ${server.statePub.lastEndpoint}`,
)
process.once("SIGINT", () => server.close())
process.once("SIGTERM", () => server.close())
const reason = await server.stopped
process.exitCode = reason === "closed" ? 0 : 1
