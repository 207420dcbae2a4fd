// `omq monitor`: open a socket and print each of its monitor events as it happens, with an ISO
// timestamp: binds, connects and retries, handshakes and why they failed, disconnects. It
// answers "why can't I connect": a wrong CURVE key, a PLAIN password refused, a type mismatch.
import type { Command } from "commander"
import type { Event, EventType } from "omq"
import { UsageError } from "../errors.js"
import { EVENT_TYPES, eventJson, eventLine } from "../event-text.js"
import { Session, stdoutWriter } from "../session.js"
import { addSocketFlags, noteWriter, openSocket, type SocketFlags } from "../socket-setup.js"
import { socketType } from "../socket-types.js"
import { wholeNumber } from "../whole-number.js"

interface MonitorFlags extends SocketFlags {
  json?: boolean
  count?: number
  until?: string
  timeout?: number
}

const EXAMPLES = `
An ENDPOINT given without --bind/--connect is connected to. The type defaults to DEALER, which
can talk to ROUTER, REP and DEALER peers; give the type your peer expects (SUB for a PUB, ...).

Events: ${EVENT_TYPES.join(", ")}.
Handshake failures show their code (ERR_ZMTP_* for protocol errors, the ZAP status for a
refused client) and omq's explanation.

Examples:
  $ omq monitor tcp://localhost:5555                      # is anything there?
  $ omq monitor SUB --connect tcp://localhost:5556 --json
  $ omq monitor tcp://host:5555 --until handshake --timeout 5000 && echo reachable
  $ omq monitor ROUTER --bind tcp://*:5555 --curve-server --curve-allow <Z85>
  $ omq monitor tcp://host:5555 --curve-server-key <Z85>  # a wrong key: handshake:error:…

Exit status: 0 done (Ctrl-C, --count or --until reached), 1 --timeout expired, 2 usage error.`

export function addMonitorCommand(program: Command): void {
  const command = program
    .command("monitor")
    .description("print a socket's monitor events (connect, handshake, errors) as they happen")
    .argument("[type]", "socket type (default DEALER)")
    .argument("[endpoint]", "an endpoint to connect to (or use --bind / --connect)")
  addSocketFlags(command)
  command
    .option("--json", "one JSON object per event")
    .option("-n, --count <n>", "stop after N events", wholeNumber(1))
    .option("-u, --until <event>", "stop after the first event of this type (e.g. handshake)")
    .option(
      "-t, --timeout <ms>",
      "fail when --count/--until is not reached in MS ms",
      wholeNumber(1),
    )
    .addHelpText("after", EXAMPLES)
    .action((type: string | undefined, endpoint: string | undefined, flags: MonitorFlags) =>
      monitor(type, endpoint, flags),
    )
}

async function monitor(
  typeName: string | undefined,
  endpoint: string | undefined,
  flags: MonitorFlags,
): Promise<void> {
  // `omq monitor tcp://host:5555`: the one word is the endpoint.
  if (typeName?.includes("://")) [typeName, endpoint] = [endpoint, typeName]
  const type = socketType(typeName ?? "DEALER")
  if (endpoint !== undefined) flags.connect = [...(flags.connect ?? []), endpoint]
  if (flags.timeout !== undefined && flags.count === undefined && flags.until === undefined) {
    throw new UsageError("--timeout needs --count or --until: it bounds the wait for them")
  }
  if (flags.until !== undefined && !EVENT_TYPES.includes(flags.until as EventType)) {
    throw new UsageError(`--until: unknown event '${flags.until}' (${EVENT_TYPES.join(", ")})`)
  }
  const session = new Session()
  const write = stdoutWriter(session)
  let seen = 0
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    done = resolve
    session.onStop(resolve)
  })
  const print = (event: Event) => {
    if (session.stopping) return
    void write(`${flags.json ? eventJson(event) : eventLine(event)}\n`)
    seen++
    if (seen === flags.count || event.type === flags.until) done()
  }
  try {
    // Listening starts before the endpoints, so their first events are seen too.
    // --verbose would print each event twice: here they go to stdout anyway.
    const quiet = { ...flags, verbose: false }
    const socket = await openSocket(session, type, quiet, noteWriter("monitor"), (socket) => {
      for (const eventType of EVENT_TYPES) socket.events.on(eventType, print)
    })
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_, reject) => {
      if (flags.timeout === undefined) return
      timer = setTimeout(() => {
        const what = flags.until ? `no ${flags.until} event` : `fewer than ${flags.count} events`
        reject(new Error(`timed out: ${what} in ${flags.timeout} ms on ${socket.type}`))
      }, flags.timeout)
    })
    try {
      await Promise.race([finished, expired])
    } finally {
      clearTimeout(timer)
    }
    session.stop()
    await session.close()
  } catch (err) {
    session.stop()
    await session.close()
    throw err
  }
}
