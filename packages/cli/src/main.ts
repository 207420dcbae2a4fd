#!/usr/bin/env node
// The `omq` executable: parses argv and runs one command (see program.ts). Usage errors exit 2
// (commander's own included), failures while running exit 1.
import { CommanderError } from "commander"
import { describeError, EXIT_FAILURE, EXIT_USAGE, UsageError } from "./errors.js"
import { createProgram } from "./program.js"

/**
 * Exits once stdout and stderr have handed the kernel what was written: writes to a pipe are
 * asynchronous, and process.exit() drops those still queued (a slow reader lost the tail).
 */
async function exitFlushed(code: number): Promise<never> {
  const flushed = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => stream.write("", () => resolve()))
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  process.exit(code)
}

const program = createProgram()
try {
  await program.parseAsync(process.argv)
  // Done: stdin may still be open (a DEALER that reached --count), nothing else is wanted.
  await exitFlushed(typeof process.exitCode === "number" ? process.exitCode : 0)
} catch (err) {
  if (err instanceof CommanderError) {
    // commander has printed the message (or the help) already.
    await exitFlushed(err.exitCode === 0 ? 0 : EXIT_USAGE)
  }
  const usage = err instanceof UsageError
  const command = process.argv[2] && !process.argv[2].startsWith("-") ? ` ${process.argv[2]}` : ""
  process.stderr.write(`omq${command}: error: ${describeError(err)}\n`)
  if (usage) process.stderr.write(`(see: omq${command} --help)\n`)
  await exitFlushed(usage ? EXIT_USAGE : EXIT_FAILURE)
}
