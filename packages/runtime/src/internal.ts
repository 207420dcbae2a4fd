/**
 * omq internals for sibling packages, tests and benchmarks: the ring and its records. Not part
 * of the public API; it may change in any release.
 */
export { Inbox, type InboxHandler } from "./ring/inbox.js"
export { Outbox } from "./ring/outbox.js"
export { RecordKind } from "./ring/records.js"
export { createRing, type RingHandle, RingReader, RingWriter } from "./ring/ring-buffer.js"

import type { Context } from "./context.js"

/**
 * Kills IO thread `index` of a context made on this thread, as a crash would: for tests of
 * what its sockets see (pending calls reject with ETERM, disconnect events, a new IO thread for
 * new sockets).
 */
export function killIoThread(context: Context, index: number): Promise<void> {
  return context.ownedIoThreads?.kill(index) ?? Promise.resolve()
}

/** The subscription trie of PUB/XPUB/XSUB, for its memory and match benchmarks. */
export { PrefixTrie } from "./util/prefix-trie.js"
