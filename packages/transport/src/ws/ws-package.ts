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

function packageFiles(): WsPackage {
  const require = createRequire(import.meta.url)
  const dir = require.resolve("ws/package.json").slice(0, -"package.json".length)
  return require(`${dir}index.js`) as WsPackage
}
