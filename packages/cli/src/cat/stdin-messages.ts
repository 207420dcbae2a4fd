// Cutting a byte stream (stdin, a command's output) into records at a separator byte. No copy
// is shared with the stream: each record is a fresh Buffer, safe to keep and send.

/** Yields the records of `input` ended by `separator`; a last record without one counts too. */
export async function* records(
  input: AsyncIterable<Buffer>,
  separator: number,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = []
  for await (const chunk of input) {
    let start = 0
    for (let at = chunk.indexOf(separator); at !== -1; at = chunk.indexOf(separator, start)) {
      pending.push(chunk.subarray(start, at))
      yield Buffer.concat(pending)
      pending = []
      start = at + 1
    }
    if (start < chunk.length) pending.push(chunk.subarray(start))
  }
  if (pending.length > 0) yield Buffer.concat(pending)
}

/** The whole of `input` as one Buffer. */
export async function wholeInput(input: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of input) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** `text` split at every occurrence of `delimiter` (bytes), as fresh Buffers. */
export function splitFrames(record: Buffer, delimiter: Buffer): Buffer[] {
  if (delimiter.length === 0) return [record]
  const frames: Buffer[] = []
  let start = 0
  for (let at = record.indexOf(delimiter); at !== -1; at = record.indexOf(delimiter, start)) {
    frames.push(record.subarray(start, at))
    start = at + delimiter.length
  }
  frames.push(record.subarray(start))
  return frames
}
