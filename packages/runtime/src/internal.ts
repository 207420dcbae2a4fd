/**
 * omq internals for sibling packages, tests and benchmarks: the ring and its records. Not part
 * of the public API; it may change in any release.
 */
export { Inbox, type InboxHandler, Outbox } from "./ring/channel.js"
export { RecordKind } from "./ring/records.js"
export { createRing, type RingHandle, RingReader, RingWriter } from "./ring/ring-buffer.js"
