/**
 * Entry point of an IO worker thread: one IoHost, driven over comlink by the thread that
 * created the context. Each attached socket also brings its own MessagePort, which doubles as
 * the large-message lane and as a liveness signal (it closes if the socket's thread dies).
 */
import { parentPort } from "node:worker_threads"
import * as Comlink from "comlink/dist/esm/comlink.mjs"
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs"
import { installErrorHandler } from "./control-errors.js"
import { IoHost } from "./io-host.js"

installErrorHandler()
if (parentPort) Comlink.expose(new IoHost(), nodeEndpoint(parentPort))
