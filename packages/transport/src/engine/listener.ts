import { mkdtempSync, rmSync, unlinkSync } from "node:fs"
import { createServer, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type NetworkEndpoint as Endpoint, formatIpc, formatTcp } from "../endpoint.js"
import { ZmqError, type ZmqErrorCode } from "../errors.js"
import type { Carrier } from "./carrier.js"
import { StreamCarrier } from "./stream-carrier.js"
import { adoptAccepted, directReads } from "./stream-reads.js"

/** A bound listener. `endpoint` is the resolved address, as ZMQ_LAST_ENDPOINT reports it. */
export interface Listener {
  readonly endpoint: string
  /** Stops accepting at once; resolves when the listening socket is closed. */
  close(): Promise<void>
  /** Called when accepting a connection failed (EMFILE, ...); the listener goes on. */
  onAcceptError: ((error: ZmqError) => void) | null
}

type StreamEndpoint = Extract<Endpoint, { transport: "tcp" | "ipc" }>

/**
 * Binds a tcp or ipc endpoint and calls `onConnection` for each accepted connection. Rejects
 * with EADDRINUSE and friends. `backlog` is listen(2)'s (libzmq's ZMQ_BACKLOG, default 100).
 */
export function listenStream(
  ep: StreamEndpoint,
  onConnection: (carrier: Carrier) => void,
  backlog = 100,
): Promise<Listener> {
  const accept = (accepted: Socket) => {
    const { stream, reads } = adoptAccepted(accepted)
    onConnection(new StreamCarrier(stream, reads))
  }
  return ep.transport === "tcp" ? listenTcp(ep, accept, backlog) : listenIpc(ep, accept, backlog)
}

function listenTcp(
  ep: Extract<Endpoint, { transport: "tcp" }>,
  onConnection: (s: Socket) => void,
  backlog: number,
): Promise<Listener> {
  const server = createServer({ noDelay: true, pauseOnConnect: directReads }, onConnection)
  server.unref() // a socket holds its thread only while it has work (omq's runtime decides)
  const options = { host: ep.host, port: ep.port, exclusive: true, backlog }
  return serve(server, options, ep.text, () => {
    const bound = server.address()
    return bound && typeof bound === "object" ? formatTcp(bound.address, bound.port) : ep.text
  })
}

/**
 * As libzmq: `ipc://*` binds a fresh path in a private temporary directory; a file left at the
 * path (by an earlier run) is replaced; the file is removed when the listener closes. A path
 * starting with "@" names a socket in Linux's abstract namespace, which has no file.
 */
function listenIpc(
  ep: Extract<Endpoint, { transport: "ipc" }>,
  onConnection: (s: Socket) => void,
  backlog: number,
): Promise<Listener> {
  let path = ep.path
  let tempDir: string | null = null
  if (path === "*") {
    tempDir = mkdtempSync(join(tmpdir(), "omq-"))
    path = join(tempDir, "socket")
  }
  const abstract = path.startsWith("@")
  if (!abstract) removeStale(path)
  const server = createServer({ pauseOnConnect: directReads }, onConnection)
  server.unref()
  const cleanup = (): void => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true })
  }
  const listening = serve(
    server,
    { path: abstract ? `\0${path.slice(1)}` : path, exclusive: true, backlog },
    ep.text,
    () => formatIpc(path),
  )
  listening.catch(cleanup)
  server.once("close", cleanup) // Node unlinks the socket file itself
  return listening
}

function removeStale(path: string): void {
  try {
    unlinkSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new ZmqError("EADDRINUSE", `bind ipc://${path}: ${(err as Error).message}`)
    }
  }
}

export function serve(
  server: Server,
  options: { host?: string; port?: number; path?: string; exclusive: boolean; backlog?: number },
  text: string,
  endpoint: () => string,
): Promise<Listener> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(new ZmqError(bindCode(err.code), `bind ${text}: ${err.message}`, text))
    })
    server.listen(options, () => {
      const closed = new Promise<void>((done) => server.once("close", () => done()))
      const listener: Listener = {
        endpoint: endpoint(),
        close: () => {
          if (server.listening) server.close()
          return closed
        },
        onAcceptError: null,
      }
      server.on("error", (err: NodeJS.ErrnoException) =>
        listener.onAcceptError?.(
          new ZmqError(acceptCode(err.code), `accept on ${text}: ${err.message}`, text),
        ),
      )
      resolve(listener)
    })
  })
}

function acceptCode(code: string | undefined): ZmqErrorCode {
  if (code === "EMFILE" || code === "ENFILE" || code === "ECONNABORTED") return code
  return "EPROTO"
}

export function bindCode(code: string | undefined): ZmqErrorCode {
  if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") return code
  return "EINVAL"
}
