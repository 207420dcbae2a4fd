/**
 * Memory for the plaintexts of opened CURVE MESSAGE boxes: views cut from a shared slab, as
 * Node's Buffer pool does, so a message costs no ArrayBuffer of its own (allocating one per
 * 1 KiB message was most of what opening cost beyond the cipher itself). A view's bytes are
 * never handed out twice: whoever gets one may keep it, which keeps its slab alive, as a view of
 * the decoder's copy of a read does for frames without CURVE. Larger plaintexts get their own.
 *
 * Module state is per thread: each thread opens the boxes of its own connections.
 */

const SLAB = 64 * 1024
/** Plaintexts from this size get memory of their own: a slab holds at least eight. */
const OWN_FROM = SLAB / 8

let slab = new Uint8Array(0)
let used = 0

/** Fresh memory for a plaintext of `size` bytes (its contents undefined until filled). */
export function openedMemory(size: number): Uint8Array {
  if (size >= OWN_FROM) return new Uint8Array(size)
  if (used + size > slab.byteLength) {
    slab = new Uint8Array(SLAB)
    used = 0
  }
  const view = slab.subarray(used, used + size)
  // The next view starts 8-aligned, as Node's pool aligns its slices.
  used = (used + size + 7) & ~7
  return view
}
