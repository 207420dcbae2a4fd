// A Clone client's own sets on their way through the server (RFC 12): kept until the server
// publishes them back (or, for a key outside the subtree, until handed over), and sent again to
// the next server after a failover. Owned by one CloneClient, on its thread.
import type { CloneSession } from "./clone-session.js"

interface PendingSet {
  frames: Buffer[]
  /** In the subtree: done when the server publishes it back; else once it is handed over. */
  echoed: boolean
  /** The session it was last sent on: a set is sent again after a failover. */
  sentOn: CloneSession | null
  resolve(): void
  reject(err: unknown): void
}

export class ClonePendingSets {
  readonly #byUuid = new Map<string, PendingSet>()

  /** A KVSET (`frames`, carrying `uuid`) to send; resolves when settled, rejects on rejectAll. */
  add(uuid: Buffer, frames: Buffer[], echoed: boolean): Promise<void> {
    const id = uuid.toString("hex")
    return new Promise((resolve, reject) => {
      this.#byUuid.set(id, {
        frames,
        echoed,
        sentOn: null,
        resolve: () => {
          this.#byUuid.delete(id)
          resolve()
        },
        reject: (err) => {
          this.#byUuid.delete(id)
          reject(err)
        },
      })
    })
  }

  /** The server published the set with this uuid: it is done. */
  settle(uuid: Buffer): void {
    if (uuid.byteLength === 0 || this.#byUuid.size === 0) return
    this.#byUuid.get(uuid.toString("hex"))?.resolve()
  }

  /** Sends every set not yet sent on `session` (a synced session whose collector listens). */
  sendOn(session: CloneSession): void {
    for (const pending of [...this.#byUuid.values()]) {
      if (pending.sentOn === session) continue
      pending.sentOn = session
      session.send(pending.frames)
      if (!pending.echoed) pending.resolve()
    }
  }

  rejectAll(err: unknown): void {
    for (const pending of [...this.#byUuid.values()]) pending.reject(err)
  }
}
