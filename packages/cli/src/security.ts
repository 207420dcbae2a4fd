// CURVE and PLAIN from the command line: keys from flags or czmq certificate files, and a ZAP
// handler (omq's Authenticator) for servers that check who connects. Shared by cat and monitor.
import { type Command, Option } from "commander"
import { Authenticator, curveKeyPair, readCertificate, type Socket } from "omq"
import { describeError, UsageError } from "./errors.js"

/** The security flags as commander parses them. */
export interface SecurityFlags {
  curveServer?: boolean
  curveSecretKey?: string
  curvePublicKey?: string
  curveCert?: string
  curveServerKey?: string
  curveServerCert?: string
  curveAllow?: string[]
  curveAllowAny?: boolean
  curveCerts?: string
  plainServer?: boolean
  plainAllow?: string[]
  plainUsername?: string
  plainPassword?: string
}

const GROUP = "Security (CURVE, PLAIN):"

/** Adds the security flags to `command`, under their own heading in its help. */
export function addSecurityFlags(command: Command): Command {
  const flags = [
    new Option(
      "--curve-server",
      "be a CURVE server (key from --curve-cert/--curve-secret-key, or a new one)",
    ),
    new Option("--curve-secret-key <z85>", "our CURVE secret key"),
    new Option("--curve-public-key <z85>", "our CURVE public key (a client needs both)"),
    new Option("--curve-cert <file>", "our key pair from a czmq certificate (reads FILE_secret)"),
    new Option("--curve-server-key <z85>", "be a CURVE client of the server with this public key"),
    new Option(
      "--curve-server-cert <file>",
      "be a CURVE client of the server with this certificate",
    ),
    new Option("--curve-allow <z85...>", "CURVE server: let in only these client public keys"),
    new Option("--curve-allow-any", "CURVE server: let in any client (through a ZAP handler)"),
    new Option("--curve-certs <dir>", "CURVE server: let in the keys of the certificates in DIR"),
    new Option("--plain-server", "be a PLAIN server (needs --plain-allow)"),
    new Option("--plain-allow <user:password...>", "PLAIN server: the accounts let in"),
    new Option("--plain-username <name>", "be a PLAIN client with this username"),
    new Option("--plain-password <password>", "the PLAIN client's password"),
  ]
  for (const flag of flags) command.addOption(flag.helpGroup(GROUP))
  return command
}

/** What applySecurity did that the user should know (printed on stderr). */
export interface SecuritySetup {
  /** The ZAP handler, when one was started: close it at the end. */
  authenticator: Authenticator | null
  /** Lines for stderr, e.g. the public key of a CURVE server key made up for this run. */
  notes: string[]
}

/** The ZAP handler of this process: one per context, shared by the sockets that need it. */
let authenticator: Authenticator | null = null

/** Sets `socket`'s security options from the flags; call before bind/connect. */
export async function applySecurity(socket: Socket, flags: SecurityFlags): Promise<SecuritySetup> {
  const curve =
    flags.curveServer ||
    flags.curveServerKey !== undefined ||
    flags.curveServerCert !== undefined ||
    flags.curveAllowAny ||
    flags.curveAllow !== undefined ||
    flags.curveCerts !== undefined
  const plain =
    flags.plainServer || flags.plainUsername !== undefined || flags.plainAllow !== undefined
  if (curve && plain) throw new UsageError("choose CURVE or PLAIN, not both")
  if (curve) return curveSetup(socket, flags)
  if (plain) return plainSetup(socket, flags)
  return { authenticator: null, notes: [] }
}

async function curveSetup(socket: Socket, flags: SecurityFlags): Promise<SecuritySetup> {
  const notes: string[] = []
  const server = flags.curveServer === true
  let serverKey = flags.curveServerKey
  if (flags.curveServerCert !== undefined) {
    serverKey = (await certificate(flags.curveServerCert, "--curve-server-cert")).publicKey
  }
  if (server && serverKey !== undefined) {
    throw new UsageError(
      "--curve-server and --curve-server-key/-cert: a socket is one or the other",
    )
  }
  if (!server && serverKey === undefined) {
    throw new UsageError(
      "CURVE needs --curve-server, or --curve-server-key/--curve-server-cert for a client",
    )
  }
  let { curvePublicKey: publicKey, curveSecretKey: secretKey } = flags
  if (flags.curveCert !== undefined) {
    const own = await certificate(flags.curveCert, "--curve-cert")
    if (own.secretKey === undefined) {
      throw new UsageError(`--curve-cert ${flags.curveCert}: no ${flags.curveCert}_secret to read`)
    }
    publicKey = own.publicKey
    secretKey = own.secretKey
  }
  if (secretKey === undefined) {
    // A throwaway pair: a server then tells its public key; a client needs none known.
    const pair = curveKeyPair()
    publicKey = pair.publicKey
    secretKey = pair.secretKey
    if (server) notes.push(`CURVE server public key: ${publicKey}`)
  } else if (!server && publicKey === undefined) {
    throw new UsageError("a CURVE client with --curve-secret-key needs --curve-public-key too")
  }
  set(socket, "curveSecretKey", secretKey)
  if (publicKey !== undefined) set(socket, "curvePublicKey", publicKey)
  if (server) set(socket, "curveServer", true)
  else set(socket, "curveServerKey", serverKey)

  const checks = flags.curveAllowAny || flags.curveAllow !== undefined || flags.curveCerts
  if (checks && !server) throw new UsageError("--curve-allow* and --curve-certs are for a server")
  if (!checks) return { authenticator: null, notes }
  const curveKeys = flags.curveAllowAny ? ("any" as const) : (flags.curveAllow ?? [])
  return {
    authenticator: await startAuthenticator({ curveKeys, certificates: flags.curveCerts }),
    notes,
  }
}

async function plainSetup(socket: Socket, flags: SecurityFlags): Promise<SecuritySetup> {
  if (flags.plainServer) {
    if (flags.plainUsername !== undefined) {
      throw new UsageError("--plain-server and --plain-username: a socket is one or the other")
    }
    if (flags.plainAllow === undefined) {
      throw new UsageError("--plain-server needs --plain-allow user:password (a ZAP handler)")
    }
    const passwords = new Map<string, string>()
    for (const account of flags.plainAllow) {
      const at = account.indexOf(":")
      if (at <= 0) throw new UsageError(`--plain-allow wants user:password, got '${account}'`)
      passwords.set(account.slice(0, at), account.slice(at + 1))
    }
    set(socket, "plainServer", true)
    return { authenticator: await startAuthenticator({ passwords }), notes: [] }
  }
  if (flags.plainAllow !== undefined) throw new UsageError("--plain-allow is for --plain-server")
  set(socket, "plainUsername", flags.plainUsername ?? "")
  set(socket, "plainPassword", flags.plainPassword ?? "")
  return { authenticator: null, notes: [] }
}

async function startAuthenticator(
  options: Parameters<typeof Authenticator.start>[0],
): Promise<Authenticator> {
  if (authenticator) throw new UsageError("one ZAP handler per process: security flags given twice")
  authenticator = await Authenticator.start(options)
  return authenticator
}

async function certificate(path: string, flag: string) {
  try {
    return await readCertificate(path)
  } catch (err) {
    throw new UsageError(`${flag} ${path}: ${describeError(err)}`)
  }
}

/** One security option; omq's refusal (a key that is not Z85, say) is a usage error. */
function set(socket: Socket, name: string, value: unknown): void {
  try {
    ;(socket as unknown as Record<string, unknown>)[name] = value
  } catch (err) {
    throw new UsageError(`${name}: ${describeError(err)}`)
  }
}
