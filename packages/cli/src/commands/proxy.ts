// `omq proxy`: forward messages between a front-end and a back-end socket with omq's Proxy
// (zmq_proxy), optionally copying everything to a capture socket, with a live line of the
// rates in each direction.
import type { Command } from "commander"
import { type Socket, Proxy as SocketProxy } from "omq"
import { UsageError } from "../errors.js"
import { proxyEndpoints } from "../proxy/proxy-endpoints.js"
import { RateLine } from "../proxy/rate-line.js"
import { Session } from "../session.js"
import { noteWriter, openSocket } from "../socket-setup.js"
import { socketType } from "../socket-types.js"
import { wholeNumber } from "../whole-number.js"

interface ProxyFlags {
  capture?: string
  captureType: string
  frontOption?: string[]
  backOption?: string[]
  stats?: boolean
  interval: number
  verbose?: boolean
}

const EXAMPLES = `
Endpoints: @ binds, > connects, several joined by commas ("@tcp://*:5555,>ipc:///tmp/x").
Without a prefix an endpoint binds.

The live line (stderr) shows messages and bytes per second in each direction; it is drawn
when stderr is a terminal, or with --stats (then one line per --interval).

Examples:
  $ omq proxy ROUTER tcp://*:5555 DEALER tcp://*:5556          # a shared queue (zguide)
  $ omq proxy XSUB '>tcp://pub-host:5557' XPUB tcp://*:5558     # a forwarder
  $ omq proxy PULL tcp://*:5559 PUSH tcp://*:5560 --capture tcp://*:5561 --stats`

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

export function addProxyCommand(program: Command): void {
  program
    .command("proxy")
    .description("forward messages between two sockets (zmq_proxy), with live rates")
    .argument("<front-type>", "front-end socket type (ROUTER, XSUB, PULL, …)")
    .argument("<front-endpoints>", "front-end endpoints")
    .argument("<back-type>", "back-end socket type (DEALER, XPUB, PUSH, …)")
    .argument("<back-endpoints>", "back-end endpoints")
    .option("--capture <endpoints>", "also send a copy of every message to these endpoints")
    .option("--capture-type <type>", "the capture socket's type", "PUB")
    .option("--front-option <name=value>", "a front-end socket option (repeatable)", collect)
    .option("--back-option <name=value>", "a back-end socket option (repeatable)", collect)
    .option("--stats", "print the rate line even when stderr is not a terminal")
    .option("--interval <ms>", "how often the rate line is drawn", wholeNumber(10), 1000)
    .option("-v, --verbose", "print the sockets' events on stderr")
    .addHelpText("after", EXAMPLES)
    .action((ft: string, fe: string, bt: string, be: string, flags: ProxyFlags) =>
      proxy(ft, fe, bt, be, flags),
    )
}

async function proxy(
  frontTypeName: string,
  frontText: string,
  backTypeName: string,
  backText: string,
  flags: ProxyFlags,
): Promise<void> {
  const frontType = socketType(frontTypeName)
  const backType = socketType(backTypeName)
  const captureType = flags.capture !== undefined ? socketType(flags.captureType) : null
  if (captureType && !captureType.sends) {
    throw new UsageError(`the capture socket sends copies: ${captureType.name} cannot send`)
  }
  const session = new Session()
  const note = noteWriter("proxy")
  const open = (
    type: typeof frontType,
    endpoints: string,
    option: string[] | undefined,
  ): Promise<Socket> =>
    openSocket(
      session,
      type,
      { ...proxyEndpoints(endpoints), option, verbose: flags.verbose },
      note,
    )
  let line: RateLine | null = null
  try {
    const front = await open(frontType, frontText, flags.frontOption)
    const back = await open(backType, backText, flags.backOption)
    const capture = captureType ? await open(captureType, flags.capture!, undefined) : undefined
    const forwarder = new SocketProxy(front, back, capture)
    session.onStop(() => forwarder.terminate())
    if (flags.stats || process.stderr.isTTY) line = new RateLine(forwarder.stats, flags.interval)
    await forwarder.run().catch((err: unknown) => {
      if (!session.stopping) throw err
    })
    line?.stop()
    line = null
    const { frontToBack: f, backToFront: b } = forwarder.stats
    note(`forwarded ${f.messages} messages front→back, ${b.messages} back→front`)
    await session.close()
  } catch (err) {
    line?.stop()
    session.stop()
    await session.close()
    throw err
  }
}
