/**
 * Z85 (ZeroMQ RFC 32): 4 bytes as 5 printable characters, the text form of CURVE keys
 * (32 bytes ↔ 40 characters). Each 4-byte group is read as a big-endian uint32 and written in
 * base 85, most significant digit first. The alphabet leaves out quotes and backslash, so keys
 * paste into source code and config files as they are.
 */

const ALPHABET =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// Character code → digit, -1 for characters outside the alphabet.
const DIGIT = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i

/** Encodes bytes whose length is a multiple of 4 (RFC 32 allows no padding). */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) {
    throw new RangeError(`Z85 encodes a multiple of 4 bytes, got ${bytes.length}`)
  }
  let out = ""
  for (let i = 0; i < bytes.length; i += 4) {
    // `>>> 0` keeps the top byte's high bit from making the value negative.
    let value =
      ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0
    let group = ""
    for (let d = 0; d < 5; d++) {
      group = ALPHABET[value % 85]! + group
      value = Math.floor(value / 85)
    }
    out += group
  }
  return out
}

/**
 * Decodes text whose length is a multiple of 5. A character outside the alphabet, or a group
 * above 2^32 - 1 (such as "#####"), is a RangeError rather than silently wrapped bytes.
 */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) {
    throw new RangeError(`Z85 decodes a multiple of 5 characters, got ${text.length}`)
  }
  const out = new Uint8Array((text.length / 5) * 4)
  for (let i = 0, at = 0; i < text.length; i += 5, at += 4) {
    let value = 0
    for (let d = 0; d < 5; d++) {
      const code = text.charCodeAt(i + d)
      const digit = code < 128 ? DIGIT[code]! : -1
      if (digit < 0) throw new RangeError(`not a Z85 character at ${i + d}: ${text[i + d]}`)
      value = value * 85 + digit
    }
    if (value > 0xffffffff) throw new RangeError(`Z85 group at ${i} exceeds 32 bits`)
    out[at] = value >>> 24
    out[at + 1] = (value >>> 16) & 0xff
    out[at + 2] = (value >>> 8) & 0xff
    out[at + 3] = value & 0xff
  }
  return out
}
