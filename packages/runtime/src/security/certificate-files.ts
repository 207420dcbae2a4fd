/**
 * CURVE certificate files, interchangeable with czmq's zcert_save / zcert_load: a public file at
 * `path` and a secret twin at `path + "_secret"` (mode 0600). The text format lives in
 * @omq/transport (`zpl-certificate.ts`); this file only reads and writes.
 */
import { randomBytes } from "node:crypto"
import { chmod, readFile, rename, rm, writeFile } from "node:fs/promises"
import {
  formatPublicCertificate,
  formatSecretCertificate,
  parseCertificate,
  publicKeyOf,
  z85Decode,
  z85Encode,
} from "@omq/transport/zmtp"

/** A certificate: Z85 keys (40 characters) and free-form metadata (name, email, ...). */
export interface Certificate {
  publicKey: string
  /** Present when the `_secret` file was there to read. */
  secretKey?: string
  metadata: Record<string, string>
}

/** Suffix czmq gives the file that holds the secret key. */
export const SECRET_SUFFIX = "_secret"

/**
 * Reads the certificate saved at `path`. Like czmq's zcert_load, it reads `path + "_secret"`
 * first (which holds both keys and the metadata) and falls back to `path` only when that file
 * does not exist. Throws when neither exists, or the text has no valid public key.
 */
export async function readCertificate(path: string): Promise<Certificate> {
  let text: string
  try {
    text = await readFile(path + SECRET_SUFFIX, "utf8")
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err
    text = await readFile(path, "utf8")
  }
  const { publicKey, secretKey, metadata } = parseCertificate(text)
  if (publicKey === undefined) throw new SyntaxError(`${path}: certificate has no public-key`)
  return secretKey === undefined ? { publicKey, metadata } : { publicKey, secretKey, metadata }
}

/**
 * Writes `path` (public key and metadata) and, when `secretKey` is given, `path + "_secret"`
 * as well, created mode 0600 and renamed into place so the secret is never readable by others,
 * not even for a moment over an older file with looser permissions.
 * Throws a RangeError when the secret key does not belong to the public key.
 */
export async function writeCertificate(
  path: string,
  cert: { publicKey: string; secretKey?: string; metadata?: Record<string, string> },
): Promise<void> {
  const now = new Date()
  const { secretKey } = cert
  if (secretKey !== undefined) {
    if (z85Encode(publicKeyOf(z85Decode(secretKey))) !== cert.publicKey) {
      throw new RangeError("secretKey is not the secret of publicKey")
    }
  }
  await writeFile(path, formatPublicCertificate(cert, now))
  if (secretKey === undefined) return
  const secretPath = path + SECRET_SUFFIX
  const temporary = `${secretPath}.${randomBytes(6).toString("hex")}`
  try {
    await writeFile(temporary, formatSecretCertificate({ ...cert, secretKey }, now), {
      flag: "wx",
      mode: 0o600,
    })
    // The mode given at creation is narrowed by the umask only; make sure of it anyway.
    await chmod(temporary, 0o600)
    await rename(temporary, secretPath)
  } catch (err) {
    await rm(temporary, { force: true })
    throw err
  }
}
