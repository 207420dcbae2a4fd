import { afterEach, beforeEach } from "node:test"
import type { LazyPirateEvent, MajordomoEvent } from "../src/mod.js"
import { EventLog } from "./event-log.js"

/**
 * What every Majordomo test file sets up in its describe(): the broker's and the clients' event
 * logs, started before each test, and `keep()`, whose sockets and parties are closed after it
 * (the last kept first).
 */
export function majordomoFixture() {
  const log = new EventLog<MajordomoEvent>("omq:patterns:majordomo")
  const pirate = new EventLog<LazyPirateEvent>("omq:patterns:lazy-pirate")
  const closers: Array<{ close(): void }> = []
  const keep = <T extends { close(): void }>(c: T): T => {
    closers.push(c)
    return c
  }
  beforeEach(() => {
    log.start()
    pirate.start()
  })
  afterEach(() => {
    log.stop()
    pirate.stop()
    for (const c of closers.splice(0).reverse()) c.close()
  })
  return { log, pirate, keep }
}
