/**
 * What zeromq.js reports about its native library, reported for omq (read by code written for
 * zeromq.js, and by its test helpers). Constants: any thread may read them.
 */

/**
 * The libzmq version whose wire protocol and socket behaviour omq follows (ZMTP 3.1, libzmq
 * 4.3.5). zeromq.js reports the libzmq it was built with; code that branches on it
 * (`semver.satisfies(version, ">= 4.2")`) takes omq for that version. omq's own package version
 * is in its package.json.
 */
export const version = "4.3.5"

/**
 * The transports and mechanisms omq offers, in zeromq.js's shape. `draft` is true: the draft
 * socket types are in `omq/draft`. omq has no PGM, TIPC, NORM or GSSAPI.
 */
export const capability: Readonly<
  Partial<{
    ipc: boolean
    pgm: boolean
    tipc: boolean
    norm: boolean
    curve: boolean
    gssapi: boolean
    draft: boolean
  }>
> = Object.freeze({
  ipc: true,
  pgm: false,
  tipc: false,
  norm: false,
  curve: true,
  gssapi: false,
  draft: true,
})
