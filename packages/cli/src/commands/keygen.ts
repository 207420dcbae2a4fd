// `omq keygen`: a new CURVE key pair in Z85, and with --cert the czmq certificate files (NAME
// with the public key, NAME_secret with both, mode 0600), as czmq's zmakecert writes them.
import type { Command } from "commander"
import { curveKeyPair, writeCertificate } from "omq"
import { describeError, UsageError } from "../errors.js"
import { parseOptionAssignment } from "../socket-options.js"

interface KeygenFlags {
  cert?: string
  metadata?: string[]
  json?: boolean
}

const EXAMPLES = `
Examples:
  $ omq keygen                                   # public-key: …  secret-key: …
  $ omq keygen --json
  $ omq keygen --cert server --metadata name=gateway --metadata email=ops@example.com
  $ omq cat REP --bind tcp://*:5555 --curve-server --curve-cert server
  $ omq cat REQ --connect tcp://host:5555 --curve-server-cert server`

export function addKeygenCommand(program: Command): void {
  program
    .command("keygen")
    .description("make a CURVE key pair (Z85), or czmq certificate files with --cert")
    .option("--cert <name>", "write czmq certificate files NAME (public) and NAME_secret")
    .option(
      "-m, --metadata <key=value>",
      "certificate metadata (repeatable)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option("--json", "print the pair as JSON")
    .addHelpText("after", EXAMPLES)
    .action((flags: KeygenFlags) => keygen(flags))
}

async function keygen(flags: KeygenFlags): Promise<void> {
  if (flags.metadata && flags.cert === undefined) {
    throw new UsageError("--metadata goes into a certificate: give --cert NAME")
  }
  const metadata: Record<string, string> = {}
  for (const assignment of flags.metadata ?? []) {
    const [key, value] = parseOptionAssignment(assignment, "--metadata")
    metadata[key] = value
  }
  const { publicKey, secretKey } = curveKeyPair()
  if (flags.cert !== undefined) {
    try {
      await writeCertificate(flags.cert, { publicKey, secretKey, metadata })
    } catch (err) {
      throw new Error(`cannot write ${flags.cert}: ${describeError(err)}`)
    }
    process.stderr.write(`omq keygen: wrote ${flags.cert} and ${flags.cert}_secret\n`)
  }
  process.stdout.write(
    flags.json
      ? `${JSON.stringify({ publicKey, secretKey })}\n`
      : `public-key: ${publicKey}\nsecret-key: ${secretKey}\n`,
  )
}
