// A command's sockets from start to exit: Ctrl-C or SIGTERM closes them at once (linger 0) and
// ends the command normally; a normal end closes them with their linger, so messages accepted
// are still delivered. One session per `omq` process.
import type { Authenticator, Socket } from "omq"

export class Session {
  readonly #sockets: Socket[] = []
  readonly #authenticators: Authenticator[] = []
  readonly #onStop: Array<() => void> = []
  #stopping = false
  #closed: Promise<void> | null = null

  constructor() {
    const stop = () => {
      // Already closing (lingering to deliver, or a second signal): the user means now.
      if (this.#stopping || this.#closed) process.exit(0)
      this.stop()
    }
    process.on("SIGINT", stop).on("SIGTERM", stop)
  }

  /** True once a signal (or stop()) asked the command to end. */
  get stopping(): boolean {
    return this.#stopping
  }

  add<S extends Socket>(socket: S): S {
    this.#sockets.push(socket)
    return socket
  }

  addAuthenticator(authenticator: Authenticator | null): void {
    if (authenticator) this.#authenticators.push(authenticator)
  }

  /**
   * `listener` runs when the command is asked to stop (to end stdin reading, timers, ...).
   * Returns a function that takes it back (for a wait that ended otherwise).
   */
  onStop(listener: () => void): () => void {
    this.#onStop.push(listener)
    return () => {
      const at = this.#onStop.indexOf(listener)
      if (at >= 0) this.#onStop.splice(at, 1)
    }
  }

  /** Ends the command now: sockets close with linger 0, waiting calls reject. */
  stop(): void {
    if (this.#stopping) return
    this.#stopping = true
    for (const listener of this.#onStop) listener()
    for (const socket of this.#sockets) {
      if (!socket.closed) socket.linger = 0
    }
    void this.close()
  }

  /** Closes every socket (with its linger) and the ZAP handler; resolves when all are done. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const socket of this.#sockets) socket.close()
      await Promise.all(this.#sockets.map((socket) => socket.finished))
      for (const authenticator of this.#authenticators) await authenticator.close()
    })()
    return this.#closed
  }
}

/** Writes to stdout, waiting when the pipe is full; a closed pipe (`| head`) stops `session`. */
export function stdoutWriter(session: Session): (bytes: Buffer | string) => Promise<void> {
  let broken = false
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    broken = true
    if (err.code === "EPIPE") session.stop()
    else throw err
  })
  return async (bytes) => {
    if (broken) return
    if (!process.stdout.write(bytes)) {
      // Until the pipe drains or the command stops, whichever is first; neither listener stays.
      await new Promise<void>((resolve) => {
        const drained = (): void => {
          unlisten()
          resolve()
        }
        const unlisten = session.onStop(() => {
          process.stdout.off("drain", drained)
          resolve()
        })
        process.stdout.once("drain", drained)
      })
    }
  }
}
