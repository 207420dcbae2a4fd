// Seeded randomness and byte mutations for the fuzzer (bench/fuzz/fuzz.js).
//
// Every input gets its own generator, seeded from (run seed, target, input index), so one
// input can be replayed alone (`--replay target:index`) without running the ones before it.

/** sfc32: small, fast, and good enough to choose mutations. */
export function rngFor(seed, target, index) {
  let a = mix(seed ^ 0x9e3779b9)
  let b = mix(target * 0x85ebca6b + 1)
  let c = mix(index ^ Math.floor(index / 0x1_0000_0000))
  let d = 1
  /** The next 32 random bits, as an unsigned integer. */
  const u32 = () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 12; i++) u32()
  return new Rng(u32)
}

function mix(x) {
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b)
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b)
  return (x ^ (x >>> 16)) | 0
}

export class Rng {
  constructor(u32) {
    this.u32 = u32
  }
  /** A float in [0, 1). */
  next() {
    return this.u32() / 4294967296
  }
  /** An integer in [0, n). */
  int(n) {
    return Math.floor(this.next() * n)
  }
  /** An integer in [min, max]. */
  range(min, max) {
    return min + this.int(max - min + 1)
  }
  chance(p) {
    return this.next() < p
  }
  pick(items) {
    return items[this.int(items.length)]
  }
  bytes(n) {
    const out = new Uint8Array(n)
    const words = new Uint32Array(out.buffer, 0, n >>> 2)
    for (let i = 0; i < words.length; i++) words[i] = this.u32()
    for (let i = words.length * 4; i < n; i++) out[i] = this.u32() & 0xff
    return out
  }
  /** A length that is usually small and sometimes not: most parsers break at the edges. */
  length(max) {
    const r = this.next()
    if (r < 0.6) return this.int(Math.min(max, 64) + 1)
    if (r < 0.9) return this.int(Math.min(max, 600) + 1)
    return this.int(max + 1)
  }
}

export function concat(parts) {
  let size = 0
  for (const part of parts) size += part.byteLength
  const out = new Uint8Array(size)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

/** Byte values that sit on boundaries: lengths, flags, signs. */
const INTERESTING_BYTES = [0, 1, 2, 4, 5, 6, 7, 0x7f, 0x80, 0xfe, 0xff, 0x41, 200, 255]
/** 64-bit sizes worth declaring in a LONG header or a metadata length. */
const INTERESTING_U64 = [
  0n,
  1n,
  255n,
  256n,
  518n,
  519n,
  65536n,
  65537n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n,
  2n ** 63n,
  2n ** 64n - 1n,
]

/**
 * One to four stacked mutations of `input`: bit flips, interesting bytes and sizes,
 * truncation, duplication of a slice, deletion, insertion of random bytes, and splicing with
 * another transcript from `corpus`.
 */
export function mutate(input, rng, corpus) {
  let bytes = input.slice()
  const count = 1 + rng.int(4)
  for (let i = 0; i < count; i++) bytes = mutateOnce(bytes, rng, corpus)
  return bytes
}

function mutateOnce(bytes, rng, corpus) {
  const n = bytes.byteLength
  const at = n === 0 ? 0 : rng.int(n)
  switch (rng.int(9)) {
    case 0: // flip 1..8 bits
      if (n > 0) for (let k = 1 + rng.int(8); k > 0; k--) bytes[rng.int(n)] ^= 1 << rng.int(8)
      return bytes
    case 1:
      if (n > 0) bytes[at] = rng.pick(INTERESTING_BYTES)
      return bytes
    case 2: {
      // an interesting big-endian u64 (or its low 4 / 1 bytes) over a size field
      const value = rng.pick(INTERESTING_U64)
      const width = rng.pick([1, 4, 8])
      for (let k = 0; k < width && at + k < n; k++) {
        bytes[at + k] = Number((value >> BigInt(8 * (width - 1 - k))) & 0xffn)
      }
      return bytes
    }
    case 3: // truncate
      return bytes.subarray(0, at)
    case 4: {
      // duplicate a slice in place (a repeated command, a repeated header)
      const end = Math.min(n, at + 1 + rng.length(n))
      const slice = bytes.slice(at, end)
      const to = rng.int(n + 1)
      return concat([bytes.subarray(0, to), slice, bytes.subarray(to)])
    }
    case 5: {
      // delete a slice
      const end = Math.min(n, at + 1 + rng.length(64))
      return concat([bytes.subarray(0, at), bytes.subarray(end)])
    }
    case 6: // insert random bytes
      return concat([bytes.subarray(0, at), rng.bytes(1 + rng.length(64)), bytes.subarray(at)])
    case 7: {
      // splice: our prefix, another transcript's suffix
      const other = rng.pick(corpus)
      return concat([bytes.subarray(0, at), other.subarray(rng.int(other.byteLength + 1))])
    }
    default: {
      // overwrite a run with random bytes
      const end = Math.min(n, at + 1 + rng.int(16))
      for (let k = at; k < end; k++) bytes[k] = rng.int(256)
      return bytes
    }
  }
}

/**
 * How the input is cut into chunks: whole, byte by byte (short inputs only, as a peer
 * dribbling bytes would), or at random points.
 */
export function chop(bytes, rng) {
  const r = rng.next()
  if (r < 0.45 || bytes.byteLength === 0) return [bytes]
  if (r < 0.5 && bytes.byteLength <= 2048) {
    return Array.from({ length: bytes.byteLength }, (_, i) => bytes.subarray(i, i + 1))
  }
  const chunks = []
  for (let at = 0; at < bytes.byteLength; ) {
    const size = 1 + rng.length(bytes.byteLength)
    chunks.push(bytes.subarray(at, at + size))
    at += size
  }
  return chunks
}
