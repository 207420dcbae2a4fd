// `-o name=value`: any socket option by its zeromq.js property name, its text read as the
// option's current value is typed (number, boolean, text or null, metadata).
import type { Socket } from "omq"
import { describeError, UsageError } from "./errors.js"

/** Own fields of omq's socket objects that are its inner state, not options. */
const NOT_OPTIONS = new Set([
  "options",
  "mechanism",
  "lastPeer",
  "type",
  "context",
  "finished",
  "id",
  "transferPool",
])

/** Splits `name=value`; a UsageError naming `flag` when there is no `=`. */
export function parseOptionAssignment(text: string, flag = "-o"): [name: string, value: string] {
  const at = text.indexOf("=")
  if (at <= 0) throw new UsageError(`${flag} wants name=value, got '${text}'`)
  return [text.slice(0, at), text.slice(at + 1)]
}

/** Sets each `name=value` on `socket`, before it binds or connects. */
export function applySocketOptions(socket: Socket, assignments: readonly string[]): void {
  for (const assignment of assignments) {
    const [name, text] = parseOptionAssignment(assignment)
    if (!isSettable(socket, name)) {
      const near = optionNames(socket).find((o) => o.toLowerCase() === name.toLowerCase())
      const hint = near ? ` (did you mean ${near}?)` : ""
      throw new UsageError(`unknown socket option '${name}' for ${socket.type}${hint}`)
    }
    const target = socket as unknown as Record<string, unknown>
    const value = parseValue(name, text, target[name])
    try {
      target[name] = value
    } catch (err) {
      throw new UsageError(`-o ${name}=${text}: ${describeError(err)}`)
    }
  }
}

/** Every option name `socket` takes. */
function optionNames(socket: Socket): string[] {
  const names = new Set<string>()
  for (let o: object | null = socket; o !== null; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (isSettable(socket, name)) names.add(name)
    }
  }
  return [...names]
}

/** A setter somewhere on the prototype chain, or a plain field of the socket type's own. */
function isSettable(socket: Socket, name: string): boolean {
  if (NOT_OPTIONS.has(name) || name.startsWith("_")) return false
  if (Object.hasOwn(socket, name)) {
    const value = (socket as unknown as Record<string, unknown>)[name]
    return value === null || ["number", "boolean", "string"].includes(typeof value)
  }
  for (let o: object | null = socket; o !== null; o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, name)
    if (descriptor) return descriptor.set !== undefined
  }
  return false
}

/** `text` as the type `current` has: numbers, booleans, metadata (`k=v,k2=v2` or JSON), text. */
function parseValue(name: string, text: string, current: unknown): unknown {
  const bad = (what: string) => new UsageError(`-o ${name}=${text}: ${what}`)
  switch (typeof current) {
    case "number": {
      const n = Number(text)
      if (text.trim() === "" || !Number.isFinite(n)) throw bad("not a number")
      return n
    }
    case "boolean":
      if (/^(true|1|yes|on)$/i.test(text)) return true
      if (/^(false|0|no|off)$/i.test(text)) return false
      throw bad("not a boolean (true or false)")
    case "object":
      if (current === null) return text === "null" ? null : text
      return parseRecord(text, bad)
    default:
      return text
  }
}

function parseRecord(text: string, bad: (what: string) => Error): Record<string, string> {
  if (text.trim().startsWith("{")) {
    try {
      return JSON.parse(text) as Record<string, string>
    } catch (err) {
      throw bad(describeError(err))
    }
  }
  const record: Record<string, string> = {}
  for (const pair of text.split(",").filter((p) => p !== "")) {
    const at = pair.indexOf("=")
    if (at <= 0) throw bad("want key=value,key2=value2 or a JSON object")
    record[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return record
}
