// The zguide's Clone client (RFC 12, CHP): takes a snapshot of the server's /clonecli/ subtree,
// then sets COUNT random keys in it, one every INTERVAL ms, and waits for each to come back
// through the server. A server silent for TIMEOUT ms (or whose connection drops) is left for the
// next HOST PORT in the list, and the sets it did not publish back go to that one.
//
//   node examples/patterns/clonecli.js HOST PORT [HOST PORT]... [--count N] [--interval MS]
//                                      [--timeout MS]            (try it with clonesrv.js)
//
// Prints one line per update that came back and per failover, then a summary; exits 0 only
// when every update came back.
import { randomBytes } from "node:crypto"
import { subscribe } from "node:diagnostics_channel"
import { parseArgs } from "node:util"
import { CloneClient } from "@omq/patterns"

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: "string", default: "10" },
    interval: { type: "string", default: "0" },
    timeout: { type: "string", default: "5000" },
  },
})
if (positionals.length < 2 || positionals.length % 2 !== 0) {
  console.error("usage: clonecli.js HOST PORT [HOST PORT]... [--count N] [--interval MS]")
  process.exit(2)
}
const servers = []
for (let i = 0; i < positionals.length; i += 2) {
  servers.push(`tcp://${positionals[i]}:${positionals[i + 1]}`)
}
const count = Number(values.count)
const interval = Number(values.interval)
subscribe("omq:patterns:clone", (event) => {
  if (event.type === "failover") console.log(`I: failover from ${event.from} to ${event.to}`)
  if (event.type === "malformed") console.log(`W: malformed message dropped: ${event.reason}`)
})
const client = new CloneClient(servers, { subtree: "/clonecli/", timeout: Number(values.timeout) })
// Every server may be gone for good: give up after a while rather than wait for ever.
const deadline = setTimeout(() => client.close(), 20_000 + count * interval)
const sent = new Map()
let cameBack = 0
try {
  await client.connect()
  console.log(`I: snapshot from ${client.server}: ${client.size} keys`)
  for (let i = 1; i <= count; i++) {
    const key = `/clonecli/${i}-${randomBytes(3).toString("hex")}`
    const value = randomBytes(4).toString("hex")
    sent.set(key, value)
    await client.set(key, value)
    const entry = client.entry(key)
    if (String(entry?.value) === value) {
      cameBack++
      console.log(`I: ${key} = ${value} came back from ${client.server} (${entry.sequence})`)
    } else console.log(`E: ${key} came back as ${String(entry?.value)}, not ${value}`)
    if (interval > 0) await new Promise((resolve) => setTimeout(resolve, interval))
  }
} catch (err) {
  console.log(`E: no server answered in time, abandoning (${err.message})`)
}
clearTimeout(deadline)
const held = [...sent].filter(([key, value]) => String(client.get(key)) === value).length
client.close()
console.log(`I: the copy holds ${held} of them (a new server has only what was sent to it)`)
console.log(`${cameBack} of ${count} updates came back`)
process.exitCode = cameBack === count ? 0 : 1
