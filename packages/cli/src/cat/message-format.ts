// cat's message formats: how stdin becomes messages and how messages are written to stdout.
//
//   line   one message per line, frames split by the delimiter (default a tab); frames that
//          are not printable text are written 0x<hex>, and an address frame (ROUTER's peer id)
//          typed 0x<hex> is read as those bytes
//   nul    one message per NUL-ended record, frames split by the delimiter; bytes as they are
//   jsonl  one JSON array per line: text frames as strings, others {"base64": …} or {"hex": …}
//   raw    stdin whole is one single-frame message; received frames are written as they are
import { UsageError } from "../errors.js"
import { records, splitFrames, wholeInput } from "./stdin-messages.js"

export type FormatName = "line" | "nul" | "jsonl" | "raw"
export const FORMAT_NAMES: readonly FormatName[] = ["line", "nul", "jsonl", "raw"]
export type BinaryEncoding = "base64" | "hex"

export interface FormatSettings {
  format: FormatName
  /** Between frames in line and nul formats (bytes; empty: a message is one frame). */
  delimiter: Buffer
  /** How jsonl writes a frame that is not UTF-8 text. */
  binary: BinaryEncoding
  /** The first frame names a peer (ROUTER, STREAM): line format reads 0x<hex> there. */
  addressed: boolean
}

/** Reads messages from a byte stream and writes them back in one format. */
export interface MessageFormat {
  messages(input: AsyncIterable<Buffer>): AsyncIterable<Buffer[]>
  /** The bytes that print `frames` (a whole record, separator included). */
  encode(frames: Buffer[]): Buffer
  /** One message from a command's whole output (--exec). */
  decodeOutput(output: Buffer): Buffer[]
}

export function messageFormat(settings: FormatSettings): MessageFormat {
  switch (settings.format) {
    case "line":
      return separated(settings, 0x0a, (frames) => frames.map(printable))
    case "nul":
      return separated(settings, 0x00, (frames) => frames)
    case "jsonl":
      return jsonLines(settings.binary)
    case "raw":
      return {
        async *messages(input) {
          yield [await wholeInput(input)]
        },
        encode: (frames) => Buffer.concat(frames),
        decodeOutput: (output) => [output],
      }
  }
}

function separated(
  settings: FormatSettings,
  separator: number,
  show: (frames: Buffer[]) => Buffer[],
): MessageFormat {
  const { delimiter, addressed } = settings
  const hexAddress = addressed && separator === 0x0a
  const decode = (record: Buffer): Buffer[] => {
    const frames = splitFrames(record, delimiter)
    if (hexAddress) frames[0] = fromHex(frames[0]!)
    return frames
  }
  return {
    async *messages(input) {
      for await (const record of records(input, separator)) yield decode(record)
    },
    encode(frames) {
      const shown = show(frames)
      const parts: Buffer[] = []
      shown.forEach((frame, i) => {
        if (i > 0) parts.push(delimiter)
        parts.push(frame)
      })
      parts.push(Buffer.of(separator))
      return Buffer.concat(parts)
    },
    // A command's output ends with a newline (or a NUL) more often than not: not part of it.
    decodeOutput(output) {
      const end = output.at(-1) === separator ? output.length - 1 : output.length
      return decode(output.subarray(0, end))
    },
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** Valid UTF-8 without control characters, as it is; anything else as 0x<hex>. */
function printable(frame: Buffer): Buffer {
  let text: string
  try {
    text = utf8.decode(frame)
  } catch {
    return Buffer.from(`0x${frame.toString("hex")}`)
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  return /[\x00-\x1f\x7f]/.test(text) ? Buffer.from(`0x${frame.toString("hex")}`) : frame
}

/** `0x` and an even count of hex digits as those bytes; anything else unchanged. */
function fromHex(frame: Buffer): Buffer {
  const text = frame.toString("latin1")
  return /^0x([0-9a-f]{2})+$/i.test(text) ? Buffer.from(text.slice(2), "hex") : frame
}

function jsonLines(binary: BinaryEncoding): MessageFormat {
  const decode = (line: Buffer, at: string): Buffer[] => {
    let value: unknown
    try {
      value = JSON.parse(line.toString("utf8"))
    } catch (err) {
      throw new UsageError(`${at}: not JSON (${(err as Error).message})`)
    }
    if (!Array.isArray(value)) throw new UsageError(`${at}: want a JSON array of frames`)
    return value.map((frame) => jsonFrame(frame, at))
  }
  return {
    async *messages(input) {
      let n = 0
      for await (const line of records(input, 0x0a)) {
        n++
        if (line.toString("utf8").trim() === "") continue
        yield decode(line, `stdin line ${n}`)
      }
    },
    encode(frames) {
      const shown = frames.map((frame) => {
        try {
          return utf8.decode(frame)
        } catch {
          return { [binary]: frame.toString(binary) }
        }
      })
      return Buffer.from(`${JSON.stringify(shown)}\n`)
    },
    decodeOutput: (output) => decode(output, "--exec output"),
  }
}

function jsonFrame(frame: unknown, at: string): Buffer {
  if (typeof frame === "string") return Buffer.from(frame, "utf8")
  if (typeof frame === "number") return Buffer.from(String(frame))
  if (typeof frame === "object" && frame !== null) {
    const { base64, hex } = frame as { base64?: unknown; hex?: unknown }
    if (typeof base64 === "string") return Buffer.from(base64, "base64")
    if (typeof hex === "string") return Buffer.from(hex, "hex")
  }
  throw new UsageError(`${at}: a frame is a string, {"base64": …} or {"hex": …}`)
}

/** The --delimiter text with \t, \n, \0, \\ and \xNN read as the bytes they name. */
export function parseDelimiter(text: string): Buffer {
  const unescaped = text.replace(/\\(x[0-9a-fA-F]{2}|[tn0\\])/g, (_, e: string) => {
    if (e === "t") return "\t"
    if (e === "n") return "\n"
    if (e === "0") return "\0"
    if (e === "\\") return "\\"
    return String.fromCharCode(Number.parseInt(e.slice(1), 16))
  })
  return Buffer.from(unescaped, "utf8")
}
