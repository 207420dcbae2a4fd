import { createRing, type RingHandle } from "./ring-buffer.js"

/**
 * Bytes a ring starts with, and the most it grows to (each a power of two). Up to 2 MiB: with
 * 64 KiB messages a 512 KiB ring filled every 7 records, and each time the writer slept until
 * the reader's wake-up (one IO thread, 64 KiB PUSH -> PULL: 0.78-0.85 GB/s at 512 KiB, 0.94-1.10
 * at 2 MiB). Memory is committed only as a burst needs it.
 */
export const FIRST_RING = 8 * 1024
export const MAX_RING = 2 * 1024 * 1024
/** The memory of one ring direction of a channel or pipe. */
export function newRing(): RingHandle {
  return createRing(FIRST_RING, MAX_RING)
}
