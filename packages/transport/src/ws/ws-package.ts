import { createRequire } from "node:module"
import * as wsPackage from "ws"

/**
 * The `ws` package's classes. Bun answers `import "ws"` with a WebSocket of its own whose
 * "upgrade" gives no connection socket (`res.socket` is null); omq writes and reads ZWS frames
 * on that socket itself, so on Bun the package's own files are loaded instead (found through its
 * package.json, which Bun leaves alone). Everywhere else this is the plain import.
 */
const ws: typeof wsPackage = process.versions.bun === undefined ? wsPackage : loadPackageFiles()

function loadPackageFiles(): typeof wsPackage {
  const require = createRequire(import.meta.url)
  const dir = require.resolve("ws/package.json").slice(0, -"package.json".length)
  return require(`${dir}index.js`) as typeof wsPackage
}

export const WebSocket = ws.WebSocket
export const WebSocketServer = ws.WebSocketServer
