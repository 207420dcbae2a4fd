/**
 * CURVE certificates as czmq's zcert stores them: ZPL text (ZeroMQ RFC 4), one file with the
 * public key and a `_secret` twin that adds the secret key. Pure text in, text out; the files
 * themselves are the runtime's business (`security/certificate-files.ts`).
 *
 * The layout written is czmq's, as its zcert.c (zcert_save_public / zcert_save_secret) builds
 * it and zconfig.c (s_config_save) prints it: `#` comment lines, one blank line, a `metadata`
 * section, then a `curve` section; children indented 4 spaces per level, every value in double
 * quotes, every line ending in "\n". The comment lines are omq's own words.
 */
import { z85Decode } from "./z85.js"

/** What a certificate file holds. Keys are Z85 text, 40 characters each. */
export interface CertificateText {
  publicKey?: string
  secretKey?: string
  metadata: Record<string, string>
}

// Comments are ours (readers skip them); everything after them is czmq's layout, byte for byte.
const PUBLIC_HEADER = [
  "   CURVE public certificate (ZPL, czmq's zcert format)",
  "   Give it to peers over a channel they trust.",
]
const SECRET_HEADER = [
  "   CURVE secret certificate (ZPL, czmq's zcert format)",
  "   Holds the secret key: keep it private (mode 0600).",
]

/** The public file: metadata and the public key. `generatedAt` goes in the first comment. */
export function formatPublicCertificate(
  cert: { publicKey: string; metadata?: Record<string, string> },
  generatedAt: Date = new Date(),
): string {
  return format(PUBLIC_HEADER, cert.metadata ?? {}, [["public-key", cert.publicKey]], generatedAt)
}

/** The `_secret` file: metadata, the public key and the secret key. Keep it mode 0600. */
export function formatSecretCertificate(
  cert: { publicKey: string; secretKey: string; metadata?: Record<string, string> },
  generatedAt: Date = new Date(),
): string {
  const keys: [string, string][] = [
    ["public-key", cert.publicKey],
    ["secret-key", cert.secretKey],
  ]
  return format(SECRET_HEADER, cert.metadata ?? {}, keys, generatedAt)
}

function format(
  header: string[],
  metadata: Record<string, string>,
  keys: [string, string][],
  generatedAt: Date,
): string {
  for (const [name, key] of keys) checkKey(name, key, RangeError)
  let out = `#   ****  Generated on ${timestamp(generatedAt)} by omq  ****\n`
  for (const line of header) out += `#${line}\n`
  out += "\nmetadata\n"
  for (const [name, value] of Object.entries(metadata)) {
    if (!isName(name)) throw new RangeError(`not a ZPL name: ${JSON.stringify(name)}`)
    out += `    ${name} = ${quote(value)}\n`
  }
  out += "curve\n"
  for (const [name, key] of keys) out += `    ${name} = "${key}"\n`
  return out
}

// czmq always writes "…" and does not escape, so a value holding `"` comes out unreadable,
// to czmq too. ZPL has no escapes either: use '…' then, and refuse what neither can hold.
function quote(value: string): string {
  if (/[\r\n]/.test(value)) throw new RangeError("a ZPL value cannot span lines")
  if (!value.includes('"')) return `"${value}"`
  if (!value.includes("'")) return `'${value}'`
  throw new RangeError(`a ZPL value cannot hold both quote marks: ${value}`)
}

// zclock_timestr's form: local time, "YYYY-MM-DD HH:MM:SS".
function timestamp(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0")
  return (
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  )
}

/**
 * Reads a certificate (public or secret file). Follows czmq's ZPL reader: `#` lines are
 * comments, indentation is 4 spaces per level, a value is "…", '…' or bare up to a `#`; the
 * first `metadata` and `curve` sections count, and the first of two equal names wins.
 * Throws a SyntaxError on bad ZPL or a key that is not 40 characters of Z85.
 */
export function parseCertificate(text: string): CertificateText {
  const root = parseZpl(text)
  const section = (name: string) => root.children.find((c) => c.name === name)
  const metadata: Record<string, string> = {}
  for (const item of section("metadata")?.children ?? []) {
    if (!Object.hasOwn(metadata, item.name)) metadata[item.name] = item.value
  }
  const curve = section("curve")
  const cert: CertificateText = { metadata }
  for (const [name, field] of [
    ["public-key", "publicKey"],
    ["secret-key", "secretKey"],
  ] as const) {
    const key = curve?.children.find((c) => c.name === name)?.value
    if (key === undefined) continue
    checkKey(name, key, SyntaxError)
    cert[field] = key
  }
  return cert
}

interface ZplNode {
  name: string
  value: string
  children: ZplNode[]
}

// czmq's name characters (s_is_namechar); a name may not start or end with '/'.
const NAME = /^[A-Za-z0-9$\-_@.&+/]+/

function isName(name: string): boolean {
  return NAME.exec(name)?.[0] === name && !name.startsWith("/") && !name.endsWith("/")
}

function parseZpl(text: string): ZplNode {
  const root: ZplNode = { name: "root", value: "", children: [] }
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const fail = (why: string) => new SyntaxError(`ZPL line ${i + 1}: ${why}`)
    const line = lines[i]!.trimEnd()
    if (line === "" || line.startsWith("#")) continue
    // Only spaces indent (czmq checks this before anything else, even on a comment line).
    const indent = /^ */.exec(line)![0].length
    if (indent % 4 !== 0) throw fail("indent 4 spaces at once")
    let rest = line.slice(indent)
    const name = NAME.exec(rest)?.[0] ?? ""
    rest = rest.slice(name.length)
    if (name === "") {
      if (!isBlank(rest)) throw fail(`invalid syntax '${rest}'`)
      continue
    }
    if (name.startsWith("/") || name.endsWith("/")) throw fail("'/' at a name's start or end")
    let parent = root
    for (let level = indent / 4; level > 0; level--) {
      const last = parent.children.at(-1)
      if (!last) throw fail("indentation error")
      parent = last
    }
    parent.children.push({ name, value: parseValue(rest.trimStart(), fail), children: [] })
  }
  return root
}

function parseValue(rest: string, fail: (why: string) => SyntaxError): string {
  if (!rest.startsWith("=")) {
    if (!isBlank(rest)) throw fail(`invalid syntax '${rest}'`)
    return ""
  }
  rest = rest.slice(1).trimStart()
  const quote = rest[0]
  if (quote === '"' || quote === "'") {
    const end = rest.indexOf(quote, 1)
    if (end < 0) throw fail(`missing ${quote}`)
    if (!isBlank(rest.slice(end + 1))) throw fail(`invalid syntax '${rest.slice(end + 1)}'`)
    return rest.slice(1, end)
  }
  const comment = rest.indexOf("#")
  return comment < 0 ? rest : rest.slice(0, comment).trimEnd()
}

// Nothing but white space, up to an optional comment.
function isBlank(rest: string): boolean {
  return /^\s*(#.*)?$/.test(rest)
}

function checkKey(name: string, key: string, Err: typeof RangeError | typeof SyntaxError): void {
  let ok = key.length === 40
  if (ok) {
    try {
      z85Decode(key)
    } catch {
      ok = false
    }
  }
  if (!ok) throw new Err(`${name} must be 40 characters of Z85, got ${JSON.stringify(key)}`)
}
