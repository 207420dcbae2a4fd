// The socket flags every command that opens a socket shares (--bind, --connect, -o, security,
// --verbose), and opening a socket from them.
import type { Command } from "commander"
import type { Event, Socket } from "omq"
import { attachEndpoints, type EndpointFlags, requireEndpoints } from "./endpoints.js"
import { EVENT_TYPES, eventLine } from "./event-text.js"
import { addSecurityFlags, applySecurity, type SecurityFlags } from "./security.js"
import type { Session } from "./session.js"
import { applySocketOptions } from "./socket-options.js"
import type { SocketType } from "./socket-types.js"

export interface SocketFlags extends EndpointFlags, SecurityFlags {
  option?: string[]
  verbose?: boolean
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/** Adds --bind, --connect, -o, -v and the security flags to `command`. */
export function addSocketFlags(command: Command): Command {
  command
    .option("-b, --bind <endpoint...>", "bind to these endpoints (tcp://*:5555, ipc://x, ws://…)")
    .option("-c, --connect <endpoint...>", "connect to these endpoints")
    .option(
      "-o, --option <name=value>",
      "set a socket option by its zeromq.js name (repeatable), e.g. -o sendHighWaterMark=10",
      collect,
    )
    .option("-v, --verbose", "print the socket's events (connect, handshake, …) on stderr")
  return addSecurityFlags(command)
}

/** Tells the user something on stderr, prefixed by the command's name. */
export function noteWriter(command: string): (line: string) => void {
  return (line) => process.stderr.write(`omq ${command}: ${line}\n`)
}

/**
 * Makes a socket of `type` with the flags' options and security, binds and connects it. The
 * session owns it from the start, so a failure half way still closes it.
 */
export async function openSocket(
  session: Session,
  type: SocketType,
  flags: SocketFlags,
  note: (line: string) => void,
  prepare: (socket: Socket) => void = () => {},
): Promise<Socket> {
  requireEndpoints(flags)
  const socket = session.add(type.create())
  applySocketOptions(socket, flags.option ?? [])
  const security = await applySecurity(socket, flags)
  session.addAuthenticator(security.authenticator)
  for (const line of security.notes) note(line)
  prepare(socket)
  if (flags.verbose) printEvents(socket, (event) => note(eventLine(event)))
  await attachEndpoints(socket, flags, note, flags.verbose)
  return socket
}

/** Hands every event of `socket` to `print` as it comes (listeners: others may listen too). */
export function printEvents(socket: Socket, print: (event: Event) => void): void {
  for (const type of EVENT_TYPES) socket.events.on(type, print)
}
