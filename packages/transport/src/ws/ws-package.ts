import { createRequire } from "node:module"
import type * as wsPackage from "ws"

export type WsPackage = typeof wsPackage

/**
 * The `ws` package's classes, loaded on first use: a process that never speaks ws:// does not
 * pay for them (~25 ms of import time, in each thread that loads the transports, IO threads
 * included). Bun answers `import "ws"` with a WebSocket of its own whose "upgrade" gives no
 * connection socket (`res.socket` is null); omq writes and reads ZWS frames on that socket
 * itself, so on Bun the package's own files are loaded instead (found through its package.json,
 * which Bun leaves alone). Everywhere else this is a plain dynamic import, which bundlers follow.
 */
let loading: Promise<WsPackage> | undefined

export function loadWs(): Promise<WsPackage> {
  loading ??= process.versions.bun === undefined ? import("ws") : Promise.resolve(packageFiles())
  return loading
}

/** What a ws listener needs beside the package: Node's http, https and tls modules. */
export interface WsServerModules {
  ws: WsPackage
  http: typeof import("node:http")
  https: typeof import("node:https")
  tls: typeof import("node:tls")
}

let loadingServer: Promise<WsServerModules> | undefined

/**
 * The package and Node's http, https and tls, loaded at the first ws bind: imported with omq,
 * the three modules cost ~4 ms of every import (BENCHMARKS.md, session 14).
 */
export function loadWsServer(): Promise<WsServerModules> {
  loadingServer ??= Promise.all([
    loadWs(),
    import("node:http"),
    import("node:https"),
    import("node:tls"),
  ]).then(([ws, http, https, tls]) => ({ ws, http, https, tls }))
  return loadingServer
}

function packageFiles(): WsPackage {
  const require = createRequire(import.meta.url)
  const dir = require.resolve("ws/package.json").slice(0, -"package.json".length)
  return require(`${dir}index.js`) as WsPackage
}
