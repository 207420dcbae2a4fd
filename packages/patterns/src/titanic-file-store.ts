import { randomBytes } from "node:crypto"
import { mkdir, open, readdir, readFile, rename, rm, unlink } from "node:fs/promises"
import { dirname, join } from "node:path"
import { ZmqError } from "omq"
import type { TitanicRequest, TitanicStore } from "./titanic-store.js"

/** The zguide's titanic keeps its files here (relative to the working directory). */
export const DEFAULT_TITANIC_DIRECTORY = ".titanic"

/** The first bytes of every file: what it is, and the layout's version. */
const MAGIC = Buffer.from("TSP\x01", "latin1")
const REQUEST = ".request"
const REPLY = ".reply"
const STORED = /^([0-9a-f]{32})\.(request|reply)$/
const TEMPORARY = /^[0-9a-f]{32}\.(request|reply)\.[0-9a-f]{12}\.tmp$/

/**
 * A TitanicStore on disk: one file per request (`<uuid>.request`) and per reply
 * (`<uuid>.reply`) in `directory`, each holding its frames length-prefixed.
 *
 * A put is durable when its promise resolves: the file is written under a temporary name,
 * synced, renamed into place, and then the directory is synced, so after a crash a file is
 * either whole or absent, and a name the server acknowledged is still there. Temporary files a
 * crash left behind are removed when the store is first used. One server per directory.
 */
export class FileTitanicStore implements TitanicStore {
  readonly directory: string
  #ready: Promise<void> | null = null

  constructor(directory: string = DEFAULT_TITANIC_DIRECTORY) {
    this.directory = directory
  }

  async putRequest(uuid: string, request: TitanicRequest): Promise<void> {
    return this.#write(`${checked(uuid)}${REQUEST}`, [
      Buffer.from(request.service),
      ...request.body,
    ])
  }

  async getRequest(uuid: string): Promise<TitanicRequest | undefined> {
    const frames = await this.#read(`${checked(uuid)}${REQUEST}`)
    if (!frames) return undefined
    const [service, ...body] = frames
    if (!service) throw corrupt(`${uuid}${REQUEST}`, "no service frame")
    return { service: service.toString(), body }
  }

  async putReply(uuid: string, body: Buffer[]): Promise<void> {
    return this.#write(`${checked(uuid)}${REPLY}`, body)
  }

  async getReply(uuid: string): Promise<Buffer[] | undefined> {
    return this.#read(`${checked(uuid)}${REPLY}`)
  }

  /** The request goes first: a crash between the two leaves a reply nobody asks for, not a request dispatched again. */
  async delete(uuid: string): Promise<void> {
    await this.#prepare()
    for (const name of [`${checked(uuid)}${REQUEST}`, `${uuid}${REPLY}`]) {
      await unlink(join(this.directory, name)).catch(ignoreMissing)
    }
    await syncDirectory(this.directory)
  }

  async pending(): Promise<string[]> {
    await this.#prepare()
    const requests: string[] = []
    const replies = new Set<string>()
    for (const name of await readdir(this.directory)) {
      const found = STORED.exec(name)
      if (found?.[2] === "request") requests.push(found[1]!)
      else if (found) replies.add(found[1]!)
    }
    return requests.filter((uuid) => !replies.has(uuid)).sort() // UUIDs sort by age
  }

  async #write(name: string, frames: readonly Buffer[]): Promise<void> {
    await this.#prepare()
    const final = join(this.directory, name)
    const temporary = `${final}.${randomBytes(6).toString("hex")}.tmp`
    try {
      const file = await open(temporary, "wx")
      try {
        await file.writeFile(encode(frames))
        await file.sync()
      } finally {
        await file.close()
      }
      await rename(temporary, final)
    } catch (err) {
      await rm(temporary, { force: true }).catch(() => {})
      throw err
    }
    await syncDirectory(this.directory) // the rename itself is durable only once this is
  }

  async #read(name: string): Promise<Buffer[] | undefined> {
    let data: Buffer
    try {
      data = await readFile(join(this.directory, name))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined
      throw err
    }
    return decode(data, name)
  }

  /** Creates the directory (and syncs its parent) and sweeps a crash's temporary files, once. */
  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(this.directory, { recursive: true })
      await syncDirectory(dirname(this.directory))
      for (const name of await readdir(this.directory)) {
        if (TEMPORARY.test(name)) await rm(join(this.directory, name), { force: true })
      }
    })().catch((err: unknown) => {
      this.#ready = null // a later call tries again (the directory may be fixed by then)
      throw err
    })
    return this.#ready
  }
}

/** `MAGIC, count (u32), then per frame: length (u32), bytes` — all big-endian. */
export function encode(frames: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [MAGIC, u32(frames.length)]
  for (const frame of frames) parts.push(u32(frame.byteLength), frame)
  return Buffer.concat(parts)
}

export function decode(data: Buffer, name: string): Buffer[] {
  if (data.byteLength < 8 || !data.subarray(0, 4).equals(MAGIC)) throw corrupt(name, "no header")
  const count = data.readUInt32BE(4)
  const frames: Buffer[] = []
  let at = 8
  for (let i = 0; i < count; i++) {
    if (at + 4 > data.byteLength) throw corrupt(name, "truncated")
    const length = data.readUInt32BE(at)
    at += 4
    if (at + length > data.byteLength) throw corrupt(name, "truncated")
    frames.push(Buffer.from(data.subarray(at, at + length)))
    at += length
  }
  if (at !== data.byteLength) throw corrupt(name, "trailing bytes")
  return frames
}

/** fsync on a directory makes its entries (a rename, an unlink) durable. Windows cannot. */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === "win32") return
  const handle = await open(directory, "r")
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** A UUID is part of a file name: only the server's own form may reach the disk. */
function checked(uuid: string): string {
  if (!/^[0-9a-f]{32}$/.test(uuid)) throw new ZmqError("EINVAL", `not a Titanic UUID: ${uuid}`)
  return uuid
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeUInt32BE(value)
  return buffer
}

function corrupt(name: string, reason: string): ZmqError {
  return new ZmqError("EPROTO", `corrupt Titanic file ${name}: ${reason}`)
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err
}
