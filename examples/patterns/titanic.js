// The zguide's Titanic server (RFC 9): titanic.request, titanic.reply and titanic.close as
// Majordomo workers at the broker ENDPOINT, every request and reply synced to a file in
// DIRECTORY before it is acknowledged; stored requests are sent on to their services, and the
// pending ones again every second. Restarted over the same DIRECTORY, it sends what was left.
//
//   node examples/patterns/titanic.js ENDPOINT [DIRECTORY]   e.g. tcp://127.0.0.1:5555 .titanic
import { subscribe } from "node:diagnostics_channel"
import { FileTitanicStore, TitanicServer } from "@omq/patterns"

const [endpoint, directory = ".titanic"] = process.argv.slice(2)
if (!endpoint) {
  console.error("usage: titanic.js ENDPOINT [DIRECTORY]")
  process.exit(2)
}
subscribe("omq:patterns:titanic", (event) => console.log(`I: ${event.type}`, event))
const server = await TitanicServer.start(endpoint, { store: new FileTitanicStore(directory) })
console.log(`I: titanic at ${endpoint}, store ${directory}, ${server.pending} pending`)
const stop = () => void server.close()
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
