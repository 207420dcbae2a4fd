// The zguide's version report (chapter 1). omq is not a binding to libzmq: `version` is the
// libzmq release whose wire protocol (ZMTP 3.1) and socket behaviour it follows, which is what
// code written for zeromq.js reads it for.
//
//   node examples/zguide/version.js
import { capability, version } from "omq"

const [major, minor, patch] = version.split(".").map(Number)
console.log(`Current 0MQ version is ${major}.${minor}.${patch}`)
const transports = ["ipc", "pgm", "tipc", "norm"].filter((name) => capability[name])
console.log(`omq offers tcp, inproc, ws${transports.map((t) => `, ${t}`).join("")}`)
process.exitCode = Number.isInteger(major) && Number.isInteger(minor) ? 0 : 1
