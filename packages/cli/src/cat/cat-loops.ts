// What `omq cat` does with its socket, by the type's role: send stdin, print what arrives,
// alternate (REQ, REP), answer with a command (--exec), or send and print at once.
import type { Session } from "../session.js"
import { type CatSocket, splitEnvelope } from "./cat-socket.js"
import { runCommand } from "./exec-command.js"
import type { MessageFormat } from "./message-format.js"

export interface CatRun {
  socket: CatSocket
  format: MessageFormat
  session: Session
  /** stdin's messages; not touched (not even opened) by types that only receive. */
  input: () => AsyncIterable<Buffer[]>
  write: (bytes: Buffer) => Promise<void>
  note: (line: string) => void
  /** Stop after this many messages received (or requests answered, replies printed). */
  count: number | undefined
  /** The receive timeout set on the socket, for the message when it expires. */
  timeout: number | undefined
  exec: string | undefined
}

/** Runs until stdin ends, --count is reached, the session stops, or a call fails. */
export async function runCat(run: CatRun): Promise<void> {
  const { role } = run.socket.type
  try {
    if (role === "send") await sendAll(run)
    else if (role === "receive") await printAll(run)
    else if (role === "request") await request(run)
    else if (role === "reply" || run.exec !== undefined) await answer(run)
    else await Promise.race([printAll(run), sendAll(run).then(() => new Promise<never>(() => {}))])
  } catch (err) {
    if (run.session.stopping) return // a call the signal's close cut short
    if ((err as { code?: string }).code === "EAGAIN" && run.timeout !== undefined) {
      throw new Error(`timed out: nothing for ${run.timeout} ms`)
    }
    throw err
  }
}

async function sendAll({ socket, input }: CatRun): Promise<void> {
  for await (const message of input()) await socket.send(message)
}

async function printAll({ socket, format, write, count }: CatRun): Promise<void> {
  for (let n = 0; count === undefined || n < count; n++) {
    await write(format.encode(await socket.receive()))
  }
}

/** REQ: each stdin message is a request; its reply is printed before the next goes. */
async function request({ socket, format, write, input, count }: CatRun): Promise<void> {
  let n = 0
  for await (const message of input()) {
    await socket.send(message)
    await write(format.encode(await socket.receive()))
    if (++n === count) return
  }
}

/**
 * REP, or a routing type with --exec: print each request (REP without --exec) and answer it
 * with the next stdin message, or with --exec's output. Ends when stdin has no answer left.
 */
async function answer(run: CatRun): Promise<void> {
  const { socket, format, write, exec, count, note } = run
  const answers = exec === undefined ? run.input()[Symbol.asyncIterator]() : null
  for (let n = 0; count === undefined || n < count; n++) {
    const request = await socket.receive()
    const [envelope, body] = splitEnvelope(socket.type, request)
    // A STREAM's [id, ""] announces a connection opening or closing: nothing to answer.
    if (socket.type.name === "STREAM" && body.every((frame) => frame.length === 0)) {
      n--
      continue
    }
    let reply: Buffer[]
    if (answers) {
      await write(format.encode(request))
      const next = await answers.next()
      if (next.done) return
      reply = next.value
    } else {
      const output = await runCommand(exec!, format.encode(body), note)
      reply = format.decodeOutput(output)
    }
    await socket.send([...envelope, ...reply])
  }
}
