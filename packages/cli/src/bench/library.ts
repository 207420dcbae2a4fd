// The library a bench side runs on: omq, or zeromq.js (libzmq) for --compare and --lib. Both
// have the zeromq.js v6 API, so the loops see one small socket interface; each Library owns
// a context of its own, closed after the run.
import * as omq from "omq"

export type LibraryName = "omq" | "zeromq"

/** The display name of a library in tables and charts. */
export const LIBRARY_LABEL: Record<LibraryName, string> = { omq: "omq", zeromq: "zeromq.js" }

/** What the bench loops use of a socket: both libraries' socket classes fit it as they are. */
export interface BenchSocket {
  bind(endpoint: string): Promise<void>
  connect(endpoint: string): void
  close(): void
  readonly lastEndpoint: string | null
}
export interface SendingSocket extends BenchSocket {
  send(message: Buffer | Buffer[]): Promise<void>
}
export interface ReceivingSocket extends BenchSocket {
  receive(): Promise<Buffer[]>
}
export type TwoWaySocket = SendingSocket & ReceivingSocket
/**
 * An echo server's socket: sends back the frames it received, envelope included. Narrower than
 * TwoWaySocket because a ROUTER takes only arrays (omq types it as [routing id, ...body]).
 */
export interface EchoSocket extends ReceivingSocket {
  send(frames: Buffer[]): Promise<void>
}

export interface Library {
  readonly name: LibraryName
  /** IO threads the context really has (libzmq needs one for anything but inproc). */
  readonly ioThreads: number
  push(): SendingSocket
  pull(): ReceivingSocket
  request(): TwoWaySocket
  reply(): EchoSocket
  dealer(): TwoWaySocket
  router(): EchoSocket
  /** Closes the sockets still open and ends the context. */
  close(): Promise<void>
}

/**
 * How long a closing socket may still deliver: the end-of-run message of a two-process run must
 * reach the other side, but a peer that went away must not hold this process forever.
 */
const LINGER_MS = 5_000

/** Fails now, before any run, if `name` cannot be loaded. */
export async function checkLibrary(name: LibraryName): Promise<void> {
  if (name === "zeromq") await importZeromq()
}

export async function openLibrary(name: LibraryName, ioThreads: number): Promise<Library> {
  return name === "omq" ? openOmq(ioThreads) : openZeromq(ioThreads)
}

function openOmq(ioThreads: number): Library {
  const context = new omq.Context({ ioThreads })
  const options = { context, linger: LINGER_MS }
  return {
    name: "omq",
    ioThreads,
    push: () => new omq.Push(options),
    pull: () => new omq.Pull(options),
    request: () => new omq.Request(options),
    reply: () => new omq.Reply(options),
    dealer: () => new omq.Dealer(options),
    router: () => new omq.Router(options),
    close: () => context.closeSocketsAndTerminate(),
  }
}

type Zeromq = typeof import("zeromq")

/** zeromq.js is optional: imported only when asked for, with a clear error when absent. */
async function importZeromq(): Promise<Zeromq> {
  try {
    return await import("zeromq")
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === "ERR_MODULE_NOT_FOUND")
      throw new Error(
        "zeromq.js is not installed: `npm install zeromq` (v6) next to omq to compare with it",
      )
    throw error
  }
}

async function openZeromq(ioThreads: number): Promise<Library> {
  const zmq = await importZeromq()
  // libzmq with 0 IO threads could serve inproc only; bench gives it one.
  const threads = Math.max(1, ioThreads)
  const context = new zmq.Context({ ioThreads: threads })
  const sockets = new Set<{ close(): void; closed: boolean }>()
  const track = <S extends { close(): void; closed: boolean }>(socket: S): S => {
    sockets.add(socket)
    return socket
  }
  // A fresh object for each socket: zeromq.js takes `context` out of the options it is given,
  // so a second socket made from the same object would land in the default context (where an
  // inproc name bound in this one does not exist, and its connect waits for ever).
  const options = () => ({ context, linger: LINGER_MS })
  return {
    name: "zeromq",
    ioThreads: threads,
    push: () => track(new zmq.Push(options())),
    pull: () => track(new zmq.Pull(options())),
    request: () => track(new zmq.Request(options())),
    reply: () => track(new zmq.Reply(options())),
    dealer: () => track(new zmq.Dealer(options())),
    router: () => track(new zmq.Router(options())),
    async close() {
      for (const socket of sockets) if (!socket.closed) socket.close()
      sockets.clear()
    },
  }
}
