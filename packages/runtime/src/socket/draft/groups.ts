import { MAX_GROUP, ZmqError } from "@omq/transport"

/**
 * A RADIO/DISH group as bytes, checked: EINVAL when longer than 255 bytes (libzmq's limit).
 * libzmq takes groups as C strings (zmq_join, zmq_msg_set_group), so a group ends at its first
 * NUL byte, as it does through zeromq.js.
 */
export function groupBytes(group: string | Uint8Array): Uint8Array {
  let bytes = typeof group === "string" ? Buffer.from(group) : group
  if (!(bytes instanceof Uint8Array)) {
    throw new ZmqError("EINVAL", "a group is a string or a Uint8Array")
  }
  const nul = bytes.indexOf(0)
  if (nul >= 0) bytes = bytes.subarray(0, nul)
  if (bytes.byteLength > MAX_GROUP) {
    throw new ZmqError("EINVAL", `group of ${bytes.byteLength} bytes (at most ${MAX_GROUP})`)
  }
  return bytes
}

/** A group as a Map key (exact bytes: groups match whole, never by prefix). */
export function groupKey(group: Uint8Array): string {
  return Buffer.from(group.buffer, group.byteOffset, group.byteLength).toString("latin1")
}
