// `omq cat`: netcat for ZeroMQ. stdin's messages go out, what arrives goes to stdout, as the
// socket type allows (see cat/cat-loops.ts for each role, cat/message-format.ts for formats).
import { type Command, Option } from "commander"
import { runCat } from "../cat/cat-loops.js"
import { CatSocket } from "../cat/cat-socket.js"
import {
  type BinaryEncoding,
  FORMAT_NAMES,
  type FormatName,
  messageFormat,
  parseDelimiter,
} from "../cat/message-format.js"
import { UsageError } from "../errors.js"
import { Session, stdoutWriter } from "../session.js"
import { addSocketFlags, noteWriter, openSocket, type SocketFlags } from "../socket-setup.js"
import { type SocketType, socketType } from "../socket-types.js"
import { wholeNumber } from "../whole-number.js"

interface CatFlags extends SocketFlags {
  format: FormatName
  delimiter: string
  binary: BinaryEncoding
  count?: number
  timeout?: number
  subscribe?: string[]
  join?: string[]
  group?: string
  exec?: string
}

const EXAMPLES = `
Formats (--format):
  line   one message per line, frames split by --delimiter (a tab); frames that are not
         printable text show as 0x<hex>, and a ROUTER/STREAM peer id typed 0x<hex> is read so
  nul    one message per NUL-ended record, frames split by --delimiter, bytes as they are
  jsonl  one JSON array per line: ["frame1","frame2"]; frames that are not UTF-8 text as
         {"base64": "..."} (or {"hex": "..."} with --binary hex), read back either way
  raw    stdin whole is one single-frame message; frames received are written as they are

Addressing (the first frame): ROUTER and STREAM print the peer's routing id and send to the
id a message starts with; SERVER and PEER the same with their numeric routing ids; DISH
prints the group, RADIO sends to --group or to the group a message starts with; DGRAM uses
the peer's ip:port.

Examples:
  $ omq cat PULL --bind tcp://*:5555                          # print what is pushed
  $ seq 3 | omq cat PUSH --connect tcp://localhost:5555       # push three messages
  $ echo hello | omq cat REQ --connect tcp://localhost:5556   # one request, print its reply
  $ omq cat REP --bind tcp://*:5556 --exec 'tr a-z A-Z'       # answer with a command
  $ omq cat SUB --connect tcp://localhost:5557 --subscribe weather. --count 10
  $ omq cat ROUTER --bind ipc:///tmp/r --format jsonl         # ["<peer id>", "frames", ...]
  $ omq cat PULL --bind tcp://*:5555 --format raw > file.bin
  $ omq cat DEALER --connect tcp://host:5555 --curve-server-key <Z85> -o routingId=me

Exit status: 0 done (stdin ended, --count reached, Ctrl-C), 1 failed (--timeout expired,
a send refused), 2 usage error.`

export function addCatCommand(program: Command): void {
  const command = program
    .command("cat")
    .description("netcat for ZeroMQ: send stdin's messages, print what arrives")
    .argument(
      "<type>",
      "socket type: PUSH, PULL, PUB, SUB, REQ, REP, DEALER, ROUTER, … (drafts too)",
    )
  addSocketFlags(command)
  command
    .addOption(
      new Option("-f, --format <format>", "message format").choices(FORMAT_NAMES).default("line"),
    )
    .addOption(
      new Option(
        "-d, --delimiter <text>",
        "between frames in line and nul formats (\\t, \\0, \\xNN)",
      ).default("\\t", "a tab"),
    )
    .addOption(
      new Option("--binary <encoding>", "jsonl: how frames that are not text are written")
        .choices(["base64", "hex"])
        .default("base64"),
    )
    .option(
      "-n, --count <n>",
      "stop after N messages received (REQ: replies; REP: answers)",
      wholeNumber(1),
    )
    .option(
      "-t, --timeout <ms>",
      "fail when nothing arrives (or can be sent) for MS ms",
      wholeNumber(1),
    )
    .option(
      "-s, --subscribe <prefix>",
      "SUB/XSUB: subscribe to PREFIX (repeatable; SUB default: all)",
      collect,
    )
    .option("-j, --join <group>", "DISH: join GROUP (repeatable)", collect)
    .option("-g, --group <group>", "RADIO: send every message to GROUP")
    .option(
      "-e, --exec <command>",
      "REP, ROUTER, SERVER, …: answer each request with COMMAND's output",
    )
    .addHelpText("after", EXAMPLES)
    .action((typeName: string, flags: CatFlags) => cat(typeName, flags))
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

async function cat(typeName: string, flags: CatFlags): Promise<void> {
  const type = socketType(typeName)
  checkFlags(type, flags)
  const session = new Session()
  const note = noteWriter("cat")
  try {
    const socket = await openSocket(session, type, flags, note, (socket) => {
      if (flags.timeout !== undefined) {
        socket.receiveTimeout = flags.timeout
        socket.sendTimeout = flags.timeout
      }
      if (type.name === "SUB") subscribe(socket, flags.subscribe ?? [""])
      if (type.name === "DISH")
        (socket as unknown as { join(...g: string[]): void }).join(...flags.join!)
    })
    const catSocket = new CatSocket(socket, type, flags.group)
    for (const prefix of type.name === "XSUB" ? (flags.subscribe ?? []) : []) {
      await catSocket.send([Buffer.concat([Buffer.of(1), Buffer.from(prefix)])])
    }
    const format = messageFormat({
      format: flags.format,
      delimiter: parseDelimiter(flags.delimiter),
      binary: flags.binary,
      addressed: type.addressing === "routing-id",
    })
    session.onStop(() => process.stdin.destroy())
    await runCat({
      socket: catSocket,
      format,
      session,
      input: () => format.messages(process.stdin),
      write: stdoutWriter(session),
      note,
      count: flags.count,
      timeout: flags.timeout,
      exec: flags.exec,
    })
    await session.close()
  } catch (err) {
    session.stop()
    await session.close()
    throw err
  }
}

function subscribe(socket: object, prefixes: string[]): void {
  ;(socket as { subscribe(...prefixes: string[]): void }).subscribe(...prefixes)
}

/** What the type cannot do of what the flags ask: usage errors before any socket is made. */
function checkFlags(type: SocketType, flags: CatFlags): void {
  const { name } = type
  if (flags.count !== undefined && !type.receives) {
    throw new UsageError(
      `${name} cannot receive, and --count counts messages received (to send N, give N lines)`,
    )
  }
  if (flags.subscribe && name !== "SUB" && name !== "XSUB") {
    throw new UsageError(`--subscribe is for SUB and XSUB, not ${name}`)
  }
  if (flags.join && name !== "DISH") throw new UsageError(`--join is for DISH, not ${name}`)
  if (name === "DISH" && !flags.join) {
    throw new UsageError("a DISH receives only the groups it joins: give --join GROUP")
  }
  if (flags.group !== undefined && name !== "RADIO") {
    throw new UsageError(`--group is for RADIO, not ${name}`)
  }
  if (flags.exec !== undefined && type.role !== "reply" && type.addressing === "none") {
    throw new UsageError(
      `--exec answers requests: it is for REP, ROUTER, SERVER, PEER, STREAM and DGRAM, not ${name}`,
    )
  }
  if (flags.exec !== undefined && !type.receives) {
    throw new UsageError(`--exec answers requests, and ${name} cannot receive`)
  }
}
